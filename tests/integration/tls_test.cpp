// --tls: a self-signed certificate is made once in the data folder, and HTTP and HTTPS share
// the port. curl stands in for a tablet's browser.
#include "harness.hpp"

#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <regex>
#include <sys/stat.h>

using namespace stagedoor::testing;
namespace fs = std::filesystem;

namespace {
std::string run(const std::string& command) {
    std::string output;
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::array<char, 4096> buffer{};
    while (std::fgets(buffer.data(), buffer.size(), pipe))
        output += buffer.data();
    ::pclose(pipe);
    return output;
}
} // namespace

TEST_CASE("tls: self-signed certificate, HTTPS and HTTP on one port, fingerprint printed") {
    TestEvent event;
    ServerProcess server(event.data, {"--tls"});
    server.start();
    CHECK(fs::exists(event.data / "tls" / "cert.pem"));
    struct stat info {};
    REQUIRE(::stat((event.data / "tls" / "key.pem").c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);

    // The fingerprint follows the "listening" line; wait for it rather than race it.
    std::smatch match;
    std::string output;
    const std::regex fingerprint_pattern(R"(([0-9A-F]{2}(:[0-9A-F]{2}){31}))");
    REQUIRE(eventually([&] {
        output = server.output();
        return std::regex_search(output, match, fingerprint_pattern);
    }));
    std::string fingerprint = match[1];

    std::string port = std::to_string(server.port());
    auto https = run("curl -sk --max-time 5 https://127.0.0.1:" + port + "/healthz");
    CHECK_THAT(https, Catch::Contains("\"status\":\"ok\""));
    // The certificate the server presents is the one whose fingerprint it printed.
    auto presented = run("curl -skv --max-time 5 https://127.0.0.1:" + port +
                         "/healthz 2>&1 >/dev/null | grep -i 'subject:'");
    CHECK_THAT(presented, Catch::Contains("stagedoor"));
    auto openssl = run("openssl x509 -noout -fingerprint -sha256 -in " +
                       (event.data / "tls" / "cert.pem").string());
    CHECK_THAT(openssl, Catch::Contains(fingerprint));

    auto http = stagedoor::client::http_request(server.endpoint(), "GET", "/healthz");
    CHECK(http.status == 200);

    // A restart reuses the same certificate, so tablets that trusted it keep working.
    CHECK(server.stop() == 0);
    ServerProcess again(event.data, {"--tls"});
    again.start();
    CHECK(eventually([&] { return again.output().find(fingerprint) != std::string::npos; }));
}
