// A fresh folder under the system temp directory, removed with everything in it at the end.
#pragma once

#include <filesystem>
#include <random>
#include <string>
#include <system_error>

namespace stagedoor::testing {

struct TempDir {
    std::filesystem::path path;
    explicit TempDir(const std::string& prefix = "stagedoor-test-") {
        std::random_device random;
        path = std::filesystem::temp_directory_path() /
               (prefix + std::to_string(random()) + std::to_string(random()));
        std::filesystem::create_directories(path);
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
};

} // namespace stagedoor::testing
