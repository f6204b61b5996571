#include <exception>
#include <iostream>

#include "megarouter/cli/cli.hpp"

int main(int argc, char** argv) {
    try {
        return megarouter::cli::run(argc, argv);
    } catch (const std::exception& error) {
        std::cerr << "megarouter: internal error: " << error.what() << "\n";
        return 1;
    }
}
