package dev.outboxmailer.intake;

import dev.outboxmailer.config.ConfigException;
import dev.outboxmailer.config.QueueSettings;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Properties;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded broker's login (SPEC §9, "Closed by default"): it takes no unauthenticated connection. The login is
 * {@code queue.username} / {@code queue.password} when given; otherwise one is generated at the first start and kept
 * in {@code <queue.data-dir>/login.properties}, readable by its owner only (0600), and used again at every start.
 * The log says where the password is, never the password.
 */
public final class BrokerLogin {
    private static final Logger LOG = LoggerFactory.getLogger(BrokerLogin.class);
    static final String FILE = "login.properties";
    static final String GENERATED_USER = "outbox-mailer";
    private static final Set<PosixFilePermission> OWNER_ONLY = EnumSet.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE);

    private BrokerLogin() {}

    /** The settings with the embedded broker's login filled in (given, kept from an earlier start, or new). */
    public static QueueSettings of(QueueSettings queue) throws IOException {
        if (queue.username() != null && queue.password() != null) {
            return queue;
        }
        if (queue.username() != null || queue.password() != null) {
            throw new ConfigException(queue.username() != null ? "queue.password" : "queue.username",
                    "the embedded broker's login needs both queue.username and queue.password (or neither, and one is "
                            + "generated into " + queue.dataDir().resolve(FILE) + ")");
        }
        Files.createDirectories(queue.dataDir());
        Path file = queue.dataDir().resolve(FILE);
        Properties login = read(file);
        if (login == null) {
            login = new Properties();
            login.setProperty("username", GENERATED_USER);
            login.setProperty("password", newPassword());
            write(file, login);
            LOG.warn("The embedded broker takes logins only: a login was generated for it, user '{}', the password is in {} "
                    + "(readable by you only). Programs that send drafts to the queue log in with it.", GENERATED_USER, file);
        } else {
            LOG.info("The embedded broker's login: user '{}', the password is in {}", login.getProperty("username"), file);
        }
        return queue.withLogin(login.getProperty("username"), login.getProperty("password"));
    }

    /** The login kept in the file, or null when there is none; a file without one is set aside (kept, renamed). */
    private static Properties read(Path file) throws IOException {
        if (!Files.exists(file)) {
            return null;
        }
        Properties login = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            login.load(in);
        } catch (IOException | IllegalArgumentException e) {
            login.clear();
        }
        if (isBlank(login.getProperty("username")) || isBlank(login.getProperty("password"))) {
            Path aside = file.resolveSibling(FILE + ".unreadable-" + System.currentTimeMillis());
            Files.move(file, aside);
            LOG.warn("{} holds no username and password; set aside as {}, a new login is generated", file, aside);
            return null;
        }
        ownerOnly(file);
        return login;
    }

    private static void write(Path file, Properties login) throws IOException {
        Path tmp = file.resolveSibling(FILE + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (UnsupportedOperationException notPosix) {
            Files.createFile(tmp);
        } catch (FileAlreadyExistsException e) {
            throw new IOException("cannot write " + tmp, e);
        }
        try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING)) {
            login.store(out, " The embedded broker's login (queue.embedded=true), generated at the first start and used "
                    + "at every start.\n Programs that send drafts to the queue log in with it. Set queue.username and "
                    + "queue.password to choose your own.");
        }
        try (var channel = java.nio.channels.FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Tightens a login file that others could read (copied, or created by hand). */
    private static void ownerOnly(Path file) throws IOException {
        try {
            Set<PosixFilePermission> now = Files.getPosixFilePermissions(file);
            if (!OWNER_ONLY.containsAll(now)) {
                Files.setPosixFilePermissions(file, OWNER_ONLY);
                LOG.warn("{} could be read by others; it is readable by its owner only now", file);
            }
        } catch (UnsupportedOperationException notPosix) {
            // a file system without POSIX permissions: nothing to tighten
        }
    }

    private static String newPassword() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
