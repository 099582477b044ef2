#include "app/modules.hpp"

namespace stagedoor::app {

std::vector<std::unique_ptr<Module>> make_modules(ModuleContext& context) {
    (void)context;
    std::vector<std::unique_ptr<Module>> modules;
    return modules;
}

} // namespace stagedoor::app
