// Everything a module gets from the server when it is constructed.
#pragma once

#include "app/scheduler.hpp"
#include "app/transport.hpp"
#include "storage/data_dir.hpp"
#include "storage/writer.hpp"

namespace stagedoor::app {

struct ModuleContext {
    const storage::DataDir& data_dir;
    storage::EventConfig event;
    Transport& transport;
    Scheduler& scheduler;
    storage::Writer& writer; // group-committed writes; completions come back on the event loop
    Clock clock;
};

} // namespace stagedoor::app
