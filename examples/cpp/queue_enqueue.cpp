// queue_enqueue: puts MISSIVE_COUNT messages (default 10) into the durable queue and prints each
// one's Message-ID on a line of its own. Nothing is sent: queue_drain delivers them.
// MISSIVE_QUEUE_URL names the queue (default ./queue, a directory): a path or
// file:///absolute/path (the filesystem queue), or postgres://user:pass@host:5432/db?schema=missive
// (a PostgreSQL queue shared by senders and drainers on many hosts). Enqueues are idempotent per
// Message-ID. MISSIVE_FROM and MISSIVE_TO override the addresses.
#include "common.hpp"

int main() {
    return example::run([] {
        std::string url = example::env("MISSIVE_QUEUE_URL", "queue");
        int count = example::number("MISSIVE_COUNT", 10);
        missive::Client client;
        if (url.find("://") != std::string::npos) {
            client.set_queue_url(url);
        } else {
            client.set_queue_directory(url);
        }
        client.set_queue_idempotent(true);
        for (int i = 0; i < count; ++i) {
            missive::Message m;
            m.set_from(example::from());
            m.add_to(example::to());
            m.set_subject("Queued message " + std::to_string(i + 1) + " of " +
                          std::to_string(count));
            m.set_body("Queued with missive, delivered by a drainer.\n");
            client.send_to_queue(m);
            std::cout << m.message_id().value_or("") << std::endl;
        }
        return 0;
    });
}
