#include "net/certificate.hpp"

#include "storage/data_dir.hpp"

#include <arpa/inet.h>
#include <memory>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdexcept>

namespace stagedoor::net {

namespace fs = std::filesystem;

namespace {
template <class T, void (*Free)(T*)> struct Deleter {
    void operator()(T* p) const { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

std::string bio_text(BIO* bio) {
    char* data = nullptr;
    long size = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(size));
}

bool is_ip(const std::string& host) {
    unsigned char buffer[16];
    return inet_pton(AF_INET, host.c_str(), buffer) == 1 ||
           inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}
} // namespace

std::string certificate_fingerprint(const fs::path& certificate_pem) {
    std::string pem = storage::read_file(certificate_pem);
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) throw std::runtime_error(certificate_pem.string() + " is not a PEM certificate");
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    X509_digest(cert.get(), EVP_sha256(), digest, &length);
    std::string out;
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (unsigned int i = 0; i < length; ++i) {
        if (i) out += ':';
        out += kHex[digest[i] >> 4];
        out += kHex[digest[i] & 15];
    }
    return out;
}

Certificate ensure_self_signed_certificate(const fs::path& dir,
                                           const std::vector<std::string>& hosts) {
    Certificate result;
    result.files = TlsFiles{dir / "cert.pem", dir / "key.pem"};
    if (fs::exists(result.files.certificate) && fs::exists(result.files.private_key)) {
        result.sha256_fingerprint = certificate_fingerprint(result.files.certificate);
        return result;
    }
    fs::create_directories(dir);

    PkeyPtr key(EVP_EC_gen("P-256"));
    if (!key) throw std::runtime_error("cannot generate a TLS key");
    X509Ptr cert(X509_new());
    X509_set_version(cert.get(), 2);
    unsigned char serial[16];
    auto random = storage::random_secret(16);
    for (std::size_t i = 0; i < sizeof serial; ++i)
        serial[i] = static_cast<unsigned char>(random[i]);
    serial[0] &= 0x7f;
    BIGNUM* serial_bn = BN_bin2bn(serial, sizeof serial, nullptr);
    BN_to_ASN1_INTEGER(serial_bn, X509_get_serialNumber(cert.get()));
    BN_free(serial_bn);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 60L * 60 * 24 * 825);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("stagedoor"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("stagedoor venue server"), -1,
                               -1, 0);
    X509_set_issuer_name(cert.get(), name);

    std::string san = "DNS:localhost,IP:127.0.0.1";
    for (const auto& host : hosts) {
        if (host.empty() || host == "localhost" || host == "127.0.0.1" || host == "0.0.0.0" ||
            host == "::")
            continue;
        san += (is_ip(host) ? ",IP:" : ",DNS:") + host;
    }
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    for (auto [nid, value] : {std::pair{NID_subject_alt_name, san},
                              std::pair{NID_basic_constraints, std::string("critical,CA:FALSE")},
                              std::pair{NID_ext_key_usage, std::string("serverAuth")}}) {
        X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
        if (!extension) throw std::runtime_error("cannot build certificate extension " + value);
        X509_add_ext(cert.get(), extension, -1);
        X509_EXTENSION_free(extension);
    }
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0)
        throw std::runtime_error("cannot sign the certificate");

    BioPtr key_bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    storage::write_secret_file(result.files.private_key, bio_text(key_bio.get()));
    BioPtr cert_bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(cert_bio.get(), cert.get());
    storage::write_secret_file(result.files.certificate, bio_text(cert_bio.get()));
    fs::permissions(result.files.certificate, fs::perms::owner_read | fs::perms::owner_write |
                                                  fs::perms::group_read | fs::perms::others_read);
    result.sha256_fingerprint = certificate_fingerprint(result.files.certificate);
    result.created = true;
    return result;
}

} // namespace stagedoor::net
