#include "app/modules.hpp"

#include "app/attendance_module.hpp"

namespace stagedoor::app {

std::vector<std::unique_ptr<Module>> make_modules(ModuleContext& context) {
    std::vector<std::unique_ptr<Module>> modules;
    modules.push_back(std::make_unique<AttendanceModule>(context));
    return modules;
}

} // namespace stagedoor::app
