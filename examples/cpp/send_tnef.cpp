// send_tnef: a message with HTML and an attachment, sent as TNEF (winmail.dat) for Outlook.
#include "common.hpp"

int main() {
    return example::run([] {
        missive::Message m;
        m.set_from(example::from());
        m.add_to(example::to());
        m.set_subject("Quarterly report (TNEF)");
        m.set_body("The report is attached.\n");
        m.set_html_body("<p>The report is <b>attached</b>.</p>");
        m.add_attachment("report.csv", "q1,q2\n1,2\n", "text/csv");
        missive::Client client;
        example::configure(client);
        client.set_use_tnef(true); // or m.set_use_tnef(true) for one message
        example::report(client.send(m));
        return 0;
    });
}
