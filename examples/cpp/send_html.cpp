// send_html: an HTML message.
#include "common.hpp"

int main() {
    return example::run([] {
        missive::Message m;
        m.set_from(example::from());
        m.add_to(example::to());
        m.set_subject("An HTML message from missive");
        m.set_html_body(
            "<html><body><h1>Hello</h1><p>This message is <b>HTML</b>.</p></body></html>");
        missive::Client client;
        example::configure(client);
        example::report(client.send(m));
        return 0;
    });
}
