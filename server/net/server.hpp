// The stagedoor server: one port for HTTP, HTTPS (detected on the first bytes) and WebSocket.
// Beast and Asio stay behind this header.
#pragma once

#include "app/context.hpp"
#include "app/module.hpp"
#include "storage/data_dir.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace stagedoor::net {

struct TlsFiles {
    std::filesystem::path certificate; // PEM chain
    std::filesystem::path private_key; // PEM
};

struct ServerOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080; // 0 picks a free port
    std::filesystem::path web_root;
    std::filesystem::path vendor_root; // node_modules, for /vendor/*
    std::optional<TlsFiles> tls;
    // Per client, unsent frames without a coalescing key (keyed state frames replace each other
    // and so stay bounded): a push beyond max_queue_bytes, or a reply beyond hard_queue_bytes,
    // drops the client as too slow.
    std::size_t max_queue_bytes = 64 * 1024;
    std::size_t hard_queue_bytes = 1024 * 1024;
    // Caps the database file, so a flood or a long event cannot fill the laptop's disk: beyond
    // it check-ins answer `internal` until space is freed (storage::Writer). None: no cap.
    std::optional<std::uint64_t> max_db_bytes;
    // Open connections (HTTP and WebSocket) at once; 0 derives it from the descriptor limit,
    // which listen() first raises to the hard limit. A connection beyond either cap is answered
    // 503 with Retry-After and closed.
    std::size_t max_connections = 0;
    // Per remote address (per /64 for IPv6): doors behind one venue NAT share an address.
    std::size_t max_per_address = 256;
};

using ModuleFactory = std::function<std::vector<std::unique_ptr<app::Module>>(app::ModuleContext&)>;

class Server {
  public:
    Server(ServerOptions options, storage::DataDir data_dir, ModuleFactory make_modules);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds and listens; throws std::runtime_error with a readable message on failure.
    // Returns the bound port.
    std::uint16_t listen();
    // Serves until SIGINT/SIGTERM, then shuts down gracefully within 5 s: stops accepting and
    // handling frames, commits what the writer has queued, delivers every answer and broadcast
    // (up to 3 s for clients to take them), and only then closes every client with 1001.
    // Returns the exit code.
    int run();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace stagedoor::net
