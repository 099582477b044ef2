#include <cstdio>
int main() {
    std::fprintf(stderr, "stagedoor: the command line lands with the server core\n");
    return 2;
}
