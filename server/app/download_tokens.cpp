#include "app/download_tokens.hpp"

#include "storage/data_dir.hpp"

#include <algorithm>
#include <openssl/sha.h>

namespace stagedoor::app {

namespace {

std::string digest(std::string_view token) {
    std::string out(SHA256_DIGEST_LENGTH, '\0');
    SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(),
           reinterpret_cast<unsigned char*>(out.data()));
    return out;
}

} // namespace

std::string DownloadTokens::issue(std::string path, Role role) {
    return issue(std::move(path), role, Grantee{});
}

std::string DownloadTokens::issue(std::string path, Role role, Grantee who) {
    std::int64_t now = clock_();
    prune(now);
    if (grants_.size() >= kMaxOutstanding) {
        auto oldest = std::min_element(grants_.begin(), grants_.end(), [](auto& a, auto& b) {
            return a.second.issued < b.second.issued;
        });
        grants_.erase(oldest);
    }
    std::string token = storage::random_secret(32);
    grants_[digest(token)] =
        Grant{std::move(path), role, std::move(who), now + kLifetimeMs, issued_++};
    return token;
}

std::optional<Role> DownloadTokens::redeem(std::string_view token, std::string_view path,
                                           bool spend, Grantee* who) {
    auto it = grants_.find(digest(token));
    if (it == grants_.end()) return std::nullopt;
    if (clock_() >= it->second.expires_at) {
        grants_.erase(it);
        return std::nullopt;
    }
    if (it->second.path != path) return std::nullopt;
    Role role = it->second.role;
    if (who) *who = it->second.who;
    if (spend) grants_.erase(it);
    return role;
}

void DownloadTokens::prune(std::int64_t now) {
    std::erase_if(grants_, [now](const auto& entry) { return now >= entry.second.expires_at; });
}

} // namespace stagedoor::app
