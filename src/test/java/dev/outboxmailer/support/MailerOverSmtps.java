package dev.outboxmailer.support;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The set-up of a test through the real routes to a real SMTPS server: one GreenMail SMTPS server for
 * the test class, emptied before each test, and a fresh {@link RunningMailer} per test delivering to it.
 */
public abstract class MailerOverSmtps {
    protected static SmtpsServer server;
    @TempDir
    protected Path dir;
    protected RunningMailer mailer;

    @BeforeAll
    static void startServer() {
        server = SmtpsServer.open();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void startMailer() throws Exception {
        server.reset();
        mailer = RunningMailer.start(dir, settings());
    }

    @AfterEach
    void stopMailer() throws Exception {
        mailer.close();
    }

    /** The mailer's settings: SMTPS to the server, trusting the test CA. Override to add to them. */
    protected Map<String, String> settings() {
        return RunningMailer.smtps(server.port());
    }
}
