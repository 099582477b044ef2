// Everything a module gets from the server when it is constructed.
#pragma once

#include "app/scheduler.hpp"
#include "app/transport.hpp"
#include "storage/data_dir.hpp"
#include "storage/writer.hpp"

namespace stagedoor::app {

class Dispatcher;

struct ModuleContext {
    const storage::DataDir& data_dir;
    storage::EventConfig event;
    Transport& transport;
    Scheduler& scheduler;
    storage::Writer& writer; // group-committed writes; completions come back on the event loop
    Clock clock;
    // The session layer, for a module that manages identities (devices, role keys); null in
    // unit tests that do not need it.
    Dispatcher* dispatcher = nullptr;
};

} // namespace stagedoor::app
