// Builds the server's modules and wires them together (presence from attendance to stage).
#pragma once

#include "app/context.hpp"
#include "app/module.hpp"

#include <memory>
#include <vector>

namespace stagedoor::app {

std::vector<std::unique_ptr<Module>> make_modules(ModuleContext& context);

} // namespace stagedoor::app
