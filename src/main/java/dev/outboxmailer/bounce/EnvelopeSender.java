package dev.outboxmailer.bounce;

import dev.outboxmailer.config.ConfigException;
import dev.outboxmailer.message.OutgoingMessage;
import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.eclipse.angus.mail.smtp.SMTPMessage;

/**
 * The SMTP envelope of each message (SPEC §11), set by the route {@code send-draft} before DKIM: the envelope
 * sender (MAIL FROM) is {@code mail.return-path}, or the From address; with {@code mail.verp=true} it is
 * {@code local+<token>@domain} of that address. Every message asks, where the server offers DSN, for failure and
 * delay notices with its headers ({@code NOTIFY=FAILURE,DELAY RET=HDRS}); with the receiving side on
 * ({@code bounces.url}) or VERP, it carries a token ({@link OutgoingMessage#envelopeId()}: the {@code ENVID} and
 * the VERP token) that maps back to the draft through the {@link SentIndex}.
 *
 * <p>The token is an HMAC-SHA256 of the Message-ID under a secret made once and kept owner-only in
 * {@code outbox/.state/bounce-secret}: the same message (also a retry, which keeps its Message-ID) gets the same
 * token, and nobody without the secret can make one that names a draft.
 */
public final class EnvelopeSender implements Processor {
    /** 24 hex digits: 96 bits of the HMAC. */
    static final Pattern TOKEN = Pattern.compile("[0-9a-f]{24}");
    private static final Pattern VERP_LOCAL = Pattern.compile("\\+([0-9a-f]{24})@", Pattern.CASE_INSENSITIVE);

    private final InternetAddress returnPath;
    private final boolean verp;
    private final boolean tokens;
    private final Path secretFile;
    private volatile byte[] secret;

    EnvelopeSender(InternetAddress returnPath, boolean verp, boolean tokens, Path outbox) {
        this.returnPath = returnPath;
        this.verp = verp;
        this.tokens = tokens || verp;
        this.secretFile = outbox.resolve(".state").resolve("bounce-secret");
    }

    /** {@code mail.return-path} (an address, optional) and {@code mail.verp} (false). */
    static EnvelopeSender read(Function<String, Optional<String>> lookup, boolean bouncesRead, Path outbox) {
        InternetAddress returnPath = lookup.apply("mail.return-path").map(String::strip).filter(s -> !s.isEmpty())
                .map(EnvelopeSender::address).orElse(null);
        String v = lookup.apply("mail.verp").map(s -> s.strip().toLowerCase(Locale.ROOT)).orElse("false");
        if (!v.equals("true") && !v.equals("false")) {
            throw new ConfigException("mail.verp", "must be true or false, not " + v);
        }
        return new EnvelopeSender(returnPath, v.equals("true"), bouncesRead, outbox);
    }

    private static InternetAddress address(String value) {
        try {
            InternetAddress a = new InternetAddress(value, true);
            if (a.getAddress() == null || a.getAddress().indexOf('@') <= 0 || a.isGroup()) {
                throw new AddressException("not a single address");
            }
            return new InternetAddress(a.getAddress());
        } catch (AddressException e) {
            throw new ConfigException("mail.return-path", "not an e-mail address: " + e.getMessage());
        }
    }

    /** Bean method for the route {@code send-draft}: sets the envelope of the composed message. */
    public void apply(Exchange exchange) throws MessagingException, IOException {
        if (!(exchange.getMessage().getBody() instanceof OutgoingMessage message)) {
            return;
        }
        message.setNotifyOptions(SMTPMessage.NOTIFY_FAILURE | SMTPMessage.NOTIFY_DELAY);
        message.setReturnOption(SMTPMessage.RETURN_HDRS);
        String token = null;
        String id = message.getMessageID();
        if (tokens && id != null && !id.isBlank()) {
            token = token(id.strip());
            message.setEnvelopeId(token);
        }
        InternetAddress base = returnPath != null ? returnPath : from(message);
        if (base == null) {
            return; // Angus falls back to the From address, as before
        }
        message.setEnvelopeFrom(verp && token != null ? verp(base.getAddress(), token) : base.getAddress());
    }

    private static InternetAddress from(OutgoingMessage message) throws MessagingException {
        Address[] from = message.getFrom();
        return from != null && from.length > 0 && from[0] instanceof InternetAddress a ? a : null;
    }

    /** {@code local+token@domain}. */
    static String verp(String address, String token) {
        int at = address.lastIndexOf('@');
        return address.substring(0, at) + "+" + token + address.substring(at);
    }

    /** The VERP token in an address a bounce was sent to, if it has one. */
    static Optional<String> tokenIn(String address) {
        if (address == null) {
            return Optional.empty();
        }
        Matcher m = VERP_LOCAL.matcher(address);
        String found = null;
        while (m.find()) {
            found = m.group(1).toLowerCase(Locale.ROOT);
        }
        return Optional.ofNullable(found);
    }

    /** The token of a Message-ID: HMAC-SHA256 under the secret, 24 hex digits. */
    String token(String messageId) throws IOException {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret(), "HmacSHA256"));
            byte[] h = mac.doFinal(messageId.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 12);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    private byte[] secret() throws IOException {
        byte[] s = secret;
        if (s != null) {
            return s;
        }
        synchronized (this) {
            if (secret == null) {
                secret = loadOrMake();
            }
            return secret;
        }
    }

    private byte[] loadOrMake() throws IOException {
        if (Files.isRegularFile(secretFile)) {
            byte[] existing = HexFormat.of().parseHex(Files.readString(secretFile, StandardCharsets.US_ASCII).strip());
            if (existing.length >= 32) {
                return existing;
            }
            throw new IOException(secretFile + " is not a secret this mailer made (delete it to make a new one; "
                    + "bounces of mail sent before will then match by Message-ID only)");
        }
        Files.createDirectories(secretFile.getParent());
        byte[] made = new byte[32];
        new SecureRandom().nextBytes(made);
        Path tmp = secretFile.resolveSibling("bounce-secret." + ProcessHandle.current().pid() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException notPosix) {
            Files.createFile(tmp);
        }
        Files.writeString(tmp, HexFormat.of().formatHex(made) + "\n", StandardCharsets.US_ASCII);
        try {
            Files.move(tmp, secretFile, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException raced) {
            Files.deleteIfExists(tmp);
            return loadOrMake();
        }
        return made;
    }

    /** The route step (send-draft): {@link #apply}. */
    @Override
    public void process(Exchange exchange) throws MessagingException, IOException {
        apply(exchange);
    }
}
