// Single-use download tokens: what a link that a browser opens (a CSV export, the badge sheet,
// a walk-in's badge) carries instead of the long-lived role key, which would otherwise stay in
// the browser's history, in bookmarks and in proxy logs. A token authenticates exactly one GET
// of the one path it was issued for, within kLifetimeMs. Kept in memory only (a restart
// forgets them), at most kMaxOutstanding at a time. Runs on the event-loop thread only.
#pragma once

#include "app/roles.hpp"
#include "app/transport.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace stagedoor::app {

class DownloadTokens {
  public:
    static constexpr std::int64_t kLifetimeMs = 60'000;
    // Further tokens push out the oldest: a token is used a moment after it is asked for.
    static constexpr std::size_t kMaxOutstanding = 256;
    // The query parameter that carries a token: /api/report.csv?dl=TOKEN.
    static constexpr std::string_view kQueryName = "dl";

    // Who asked for a token: a download is recorded as theirs (the audit log's device).
    struct Grantee {
        std::int64_t device_id = 0;
        std::string device;
    };

    explicit DownloadTokens(Clock clock)
        : clock_(std::move(clock)) {}

    // A new token (43 characters of base64url, 256 random bits) that authenticates one GET of
    // path (without its query string) as role, until kLifetimeMs from now.
    std::string issue(std::string path, Role role, Grantee who);
    std::string issue(std::string path, Role role); // for a role key: no device

    // The role token grants for path, or nullopt when the token is unknown, used, expired or
    // was issued for another path. spend removes it, so that it works once: a GET spends it;
    // a HEAD and the look at a request's head before its body is read do not.
    // who, when given, is set to whom the token was issued.
    std::optional<Role> redeem(std::string_view token, std::string_view path, bool spend,
                               Grantee* who = nullptr);

    std::size_t outstanding() const { return grants_.size(); }

  private:
    struct Grant {
        std::string path;
        Role role;
        Grantee who;
        std::int64_t expires_at;
        std::uint64_t issued; // the order of issue: the oldest gives way first
    };
    // Drops expired grants.
    void prune(std::int64_t now);

    Clock clock_;
    std::uint64_t issued_ = 0;
    // By SHA-256 of the token: the token itself is not kept, and a look-up's timing says
    // nothing about it.
    std::map<std::string, Grant, std::less<>> grants_;
};

} // namespace stagedoor::app
