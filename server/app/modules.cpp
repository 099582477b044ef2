#include "app/modules.hpp"

#include "app/stage_module.hpp"

namespace stagedoor::app {

std::vector<std::unique_ptr<Module>> make_modules(ModuleContext& context) {
    std::vector<std::unique_ptr<Module>> modules;
    // The attendance module provides the PresenceDirectory once it is merged.
    PresenceDirectory* presence = nullptr;
    modules.push_back(std::make_unique<StageModule>(context, presence));
    return modules;
}

} // namespace stagedoor::app
