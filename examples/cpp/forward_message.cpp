// forward_message: load an .eml and forward it to MISSIVE_TO in one of three modes: redirect
// (new envelope, bytes unchanged), resend (Resent-* fields on top) or attach (a new message
// with the original as message/rfc822). Usage: forward_message FILE.eml [redirect|resend|attach]
#include "common.hpp"

int main(int argc, char **argv) {
    if (argc < 2) {
        std::cerr << "usage: forward_message FILE.eml [redirect|resend|attach]\n";
        return 2;
    }
    std::string name = argc > 2 ? argv[2] : "redirect";
    missive::ForwardMode mode = name == "attach"   ? missive::ForwardMode::Attach
                                : name == "resend" ? missive::ForwardMode::Resend
                                                   : missive::ForwardMode::Redirect;
    return example::run([&] {
        missive::Message original = missive::Message::from_file(argv[1]);
        missive::Client client;
        example::configure(client);
        client.set_forward_sender(example::from());
        example::report(client.forward(original, mode, example::to()));
        return 0;
    });
}
