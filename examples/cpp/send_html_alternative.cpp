// send_html_alternative: an HTML body with a plain-text alternate view, one message per
// recipient of MISSIVE_TO (a comma-separated list), sent together as a collection. The message
// puts text/plain first in its multipart/alternative (the richest version last).
#include "common.hpp"

int main() {
    return example::run([] {
        missive::MessageCollection batch;
        for (const std::string &to : example::split(example::to())) {
            missive::Message m;
            m.set_from(example::from());
            m.add_to(to);
            m.set_subject("Our newsletter");
            m.set_html_body("<html><body><h1>News</h1><p>Hello " + to + ".</p></body></html>");
            m.add_alternate_view("text/plain", "News\n\nHello " + to + ".\n");
            batch.add(m); // a copy
        }
        missive::Client client;
        example::configure(client);
        // Returns each message's outcome; throws only when none could be attempted.
        missive::BulkResult res = client.send_collection(batch);
        std::cout << "delivered " << res.count(missive::BulkStatus::Sent) << " of " << res.size()
                  << " messages\n";
        for (size_t i = 0; i < res.size(); ++i) {
            std::string why = res.message_error(i);
            if (!why.empty()) std::cerr << "message " << i << ": " << why << "\n";
        }
        return res.code() == MISSIVE_RESULT_OK ? 0 : 1;
    });
}
