// The event loop never dies: a module that throws from every entry point the network layer
// calls (a timer, a posted task, a write and its completion, on_welcome, on_disconnect, an HTTP
// handler before and after it answered) is logged once per fault, and the real server, run in
// this process, keeps serving WebSocket and HTTP clients and shuts down cleanly.
#include "app/modules.hpp"
#include "app/router.hpp"
#include "harness.hpp"
#include "net/server.hpp"
#include "stagedoor/protocol/text.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace stagedoor;
using namespace stagedoor::testing;
using client::ClientContext;
using client::Connection;
using nlohmann::json;

namespace {

// Throws from everything it can be called by.
class FaultyModule final : public app::Module {
  public:
    explicit FaultyModule(app::ModuleContext& context)
        : context_(context) {}

    void register_routes(app::Router& router) override {
        router.http("GET", "/api/fault", app::roles::organisers,
                    [](const app::HttpRequest&) -> app::HttpResponse {
                        throw std::runtime_error("fault in an HTTP handler");
                    });
        // Answers first, then throws: the client keeps its answer, the loop goes on.
        router.http_async("GET", "/api/fault-late", app::roles::organisers,
                          [](const app::HttpRequest&, app::Router::HttpRespond respond) {
                              respond(app::HttpResponse{200, "application/json", "{}", {}});
                              throw std::runtime_error("fault after answering");
                          });
    }
    void start() override {
        context_.scheduler.schedule_at(0, [] { throw std::runtime_error("fault in a timer"); });
        context_.transport.post([] { throw std::runtime_error("fault in a posted task"); });
        context_.writer.submit(
            [](storage::Database&) { throw std::runtime_error("fault in a write"); },
            [](bool committed) {
                if (!committed) throw std::runtime_error("fault in a completion");
            });
    }
    void on_welcome(const app::Connection& connection) override {
        if (connection.device == "boom") throw std::runtime_error("fault in on_welcome");
    }
    void on_disconnect(const app::Connection& connection) override {
        if (connection.device == "boom") throw std::runtime_error("fault in on_disconnect");
    }

  private:
    app::ModuleContext& context_;
};

// Sends this process's stderr (the server's log) to a file while it lives.
class CapturedStderr {
  public:
    explicit CapturedStderr(std::filesystem::path path)
        : path_(std::move(path)) {
        std::fflush(stderr);
        saved_ = dup(STDERR_FILENO);
        int file = open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(file, STDERR_FILENO);
        close(file);
    }
    ~CapturedStderr() {
        std::fflush(stderr);
        dup2(saved_, STDERR_FILENO);
        close(saved_);
    }
    std::string text() const {
        std::fflush(stderr);
        std::ifstream in(path_);
        std::stringstream all;
        all << in.rdbuf();
        return all.str();
    }

  private:
    std::filesystem::path path_;
    int saved_ = -1;
};

std::size_t occurrences(const std::string& text, std::string_view needle) {
    std::size_t count = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
        ++count;
    return count;
}

} // namespace

TEST_CASE("boundary: faults at every entry point are logged once and the server keeps serving") {
    TestEvent event;
    TempDir web;
    CapturedStderr log(event.temp.path / "server.log");

    net::ServerOptions options;
    options.port = 0;
    options.web_root = web.path;
    net::Server server(options, storage::DataDir(event.data), [](app::ModuleContext& context) {
        auto modules = app::make_modules(context);
        modules.push_back(std::make_unique<FaultyModule>(context));
        return modules;
    });
    client::Endpoint endpoint{"127.0.0.1", server.listen(), "/ws"};
    int exit_code = -1;
    std::thread loop([&] { exit_code = server.run(); });

    // The faults raised at start are behind us once all four are in the log.
    for (const char* fault :
         {"a timer failed: fault in a timer", "a completion failed: fault in a posted task",
          "a completion failed: fault in a completion"}) {
        INFO(fault);
        CHECK(eventually([&] { return log.text().find(fault) != std::string::npos; }));
    }

    {
        ClientContext context;
        auto faulty = Connection::open(context, endpoint);
        CHECK(faulty->hello("door", event.key("door"), "boom")["type"] == "welcome");
        CHECK(faulty->request({{"type", "ping"}, {"t0", 1}})["type"] == "pong");
        auto bystander = Connection::open(context, endpoint);
        CHECK(bystander->hello("stage", event.key("stage"), "Stage left")["type"] == "welcome");

        auto organiser = event.key("organiser");
        CHECK(client::http_request(endpoint, "GET", "/api/fault", "", organiser).status == 500);
        CHECK(client::http_request(endpoint, "GET", "/api/fault-late", "", organiser).status ==
              200);
        CHECK(client::http_request(endpoint, "GET", "/healthz", "", organiser).status == 200);

        // Bytes that are not UTF-8 in the target, the query's key, the key header and a body.
        auto raw_target = client::http_request(endpoint, "GET", "/api/\xff\xfe\x1b[2J");
        CHECK(raw_target.status == 400);
        CHECK(json::parse(raw_target.body)["code"] == "bad_message");
        CHECK(client::http_request(endpoint, "GET", "/api/%FF%FE%1B[2J", "", organiser).status ==
              404);
        CHECK(client::http_request(endpoint, "GET", "/api/attendance?key=%FF%C0%AF").status == 401);
        CHECK(client::http_request(endpoint, "GET", "/api/attendance", "", "\xc3\x28").status ==
              401);
        auto refused = client::http_request(endpoint, "POST", "/api/agenda/import",
                                            std::string("title\n\x81\x8d\n"), organiser);
        CHECK(refused.status == 422);
        CHECK(protocol::is_valid_utf8(refused.body));
        CHECK(faulty->request({{"type", "ping"}, {"t0", 3}})["type"] == "pong");

        faulty->close();
        CHECK(eventually([&] {
            return log.text().find("on_disconnect failed: fault in on_disconnect") !=
                   std::string::npos;
        }));
        CHECK(bystander->request({{"type", "ping"}, {"t0", 2}})["type"] == "pong");
    }

    std::raise(SIGTERM);
    loop.join();
    CHECK(exit_code == 0);
    std::string text = log.text();
    INFO(text);
    for (const char* fault : {"fault in a timer", "fault in a posted task", "fault in a completion",
                              "fault in on_welcome", "fault in on_disconnect",
                              "fault in an HTTP handler", "fault after answering"})
        CHECK(occurrences(text, fault) == 1);
}
