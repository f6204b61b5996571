// A temporary folder for catalog tests, removed at the end of the scope.
#pragma once

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace megarouter::catalog::test {

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        std::random_device random;
        path = std::filesystem::temp_directory_path() / ("megarouter-catalog-test-" + std::to_string(random()));
        std::filesystem::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    void write(const std::string& name, std::string_view text) const {
        std::filesystem::create_directories((path / name).parent_path());
        std::ofstream(path / name, std::ios::binary) << text;
    }
};

} // namespace megarouter::catalog::test
