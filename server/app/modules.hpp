// Builds the server's modules and wires them together (presence from attendance to stage).
#pragma once

#include "app/context.hpp"
#include "app/module.hpp"

#include <memory>
#include <vector>

namespace stagedoor::app {

// Choices the organiser makes when starting the server (stagedoor serve).
struct ModuleOptions {
    // Names and organisations in the offline doors' roster (serve --offline-names on|off).
    bool offline_names = true;
};

std::vector<std::unique_ptr<Module>> make_modules(ModuleContext& context,
                                                  const ModuleOptions& options = {});

} // namespace stagedoor::app
