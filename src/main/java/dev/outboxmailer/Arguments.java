package dev.outboxmailer;

import java.util.LinkedHashMap;
import java.util.Map;

/** The command line: {@code --key=value} pairs, each overriding that configuration key. */
final class Arguments {
    static final String USAGE = """
            usage: java -jar outbox-mailer.jar [--key=value ...]
                   java -jar outbox-mailer.jar login [--key=value ...]   (sign in once for smtp.auth=xoauth2)
                   java -jar outbox-mailer.jar check [routes-dir] [drafts…] [--key=value ...]   (offline: nothing is sent)
              e.g. --smtp.host=smtp.example.com --smtp.username=me@example.com --smtp.password-file=/run/secrets/smtp
              Every key of the configuration table in the README may be given; without smtp.host the sandbox takes the mail.""";

    private Arguments() {}

    static Map<String, String> parse(String[] args) {
        Map<String, String> overrides = new LinkedHashMap<>();
        for (String arg : args) {
            if (arg.equals("--help") || arg.equals("-h")) {
                System.out.println(USAGE);
                System.exit(0);
            }
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 3) {
                throw new IllegalArgumentException("'" + arg + "' is not of the form --key=value");
            }
            overrides.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        return overrides;
    }
}
