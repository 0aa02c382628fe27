// send_message: compose a plain-text message and deliver it (SMTP with MISSIVE_SMTP_URL, else
// the pickup directory ./outbox). MISSIVE_FROM and MISSIVE_TO override the addresses.
#include "common.hpp"

int main() {
    return example::run([] {
        missive::Message m;
        m.set_from(example::from());
        m.add_to(example::to());
        m.set_subject("Sending email with missive");
        m.set_body("Hello,\n\nThis message was sent with missive from C++.\n");
        missive::Client client;
        example::configure(client);
        missive::SendResult r = client.send(m); // throws missive::SendError on failure
        std::cout << "message " << m.message_id().value_or("") << "\n";
        example::report(r);
        return 0;
    });
}
