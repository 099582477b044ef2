// Self-signed certificates for --tls, made in process with OpenSSL. Tablets only allow the
// camera in a secure context, so a venue without a real certificate needs one of these.
#pragma once

#include "net/server.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace stagedoor::net {

struct Certificate {
    TlsFiles files;
    std::string sha256_fingerprint; // AA:BB:... as browsers show it
    bool created = false;
};

// Reuses DIR/cert.pem + DIR/key.pem if present; otherwise creates them (key 0600), valid for
// "localhost", the given host names and IP addresses, for 825 days.
Certificate ensure_self_signed_certificate(const std::filesystem::path& dir,
                                           const std::vector<std::string>& hosts);
std::string certificate_fingerprint(const std::filesystem::path& certificate_pem);

} // namespace stagedoor::net
