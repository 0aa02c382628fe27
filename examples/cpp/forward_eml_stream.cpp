// forward_eml_stream: forward an .eml file (or standard input, "-") as it is, without loading
// it: the bytes stream through fixed buffers, so memory stays flat whatever the size.
// Usage: forward_eml_stream FILE.eml | -
#include <cstdio>

#include "common.hpp"

int main(int argc, char **argv) {
    if (argc != 2) {
        std::cerr << "usage: forward_eml_stream FILE.eml | -\n";
        return 2;
    }
    return example::run([&] {
        std::string sender = example::from();
        size_t lt = sender.rfind('<');
        if (lt != std::string::npos) sender = sender.substr(lt + 1, sender.find('>', lt) - lt - 1);
        missive::Client client;
        example::configure(client);
        std::string path = argv[1];
        if (path != "-") {
            // A file: the library reads it (and checks its size against the server's limit).
            example::report(client.forward_file(path, sender, example::to()));
            return 0;
        }
        // Standard input: read through a callback.
        missive::ReadFunction read = [](uint8_t *buf, size_t len) -> int64_t {
            size_t n = std::fread(buf, 1, len, stdin);
            return std::ferror(stdin) ? -1 : static_cast<int64_t>(n);
        };
        example::report(client.forward_stream(read, sender, example::to()));
        return 0;
    });
}
