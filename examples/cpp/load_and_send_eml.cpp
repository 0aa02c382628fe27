// load_and_send_eml: load an .eml file and send it unchanged (its bytes go out as they were
// loaded, so a DKIM signature survives). Usage: load_and_send_eml MESSAGE.eml
#include "common.hpp"

int main(int argc, char **argv) {
    if (argc != 2) {
        std::cerr << "usage: load_and_send_eml MESSAGE.eml\n";
        return 2;
    }
    return example::run([&] {
        missive::Message m = missive::Message::from_file(argv[1]);
        std::cout << "loaded \"" << m.subject() << "\"\n";
        missive::Client client;
        example::configure(client);
        example::report(client.send(m));
        return 0;
    });
}
