package dev.outboxmailer.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.james.jdkim.DKIMVerifier;
import org.apache.james.jdkim.api.PublicKeyRecordRetriever;
import org.apache.james.jdkim.api.Result;
import org.apache.james.jdkim.exceptions.FailException;
import org.apache.james.jdkim.exceptions.PermFailException;
import org.junit.jupiter.api.Assumptions;

/**
 * Two DKIM verifiers that share no code with the mailer's signer, each handed the public keys by a test DNS
 * function: Apache James jDKIM in this JVM (RSA only), and Debian's python3-dkim (dkimpy: RSA and Ed25519) as a
 * separate process. A test that needs dkimpy calls {@link #requireDkimpy()}, which skips it, saying so, only
 * when python3-dkim is not installed.
 */
public final class DkimVerifiers {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Debian's interpreter, where apt puts python3-dkim (the one on PATH may be another). */
    private static final String PYTHON = "/usr/bin/python3";
    private static Boolean dkimpy;

    private DkimVerifiers() {}

    /** The verdict on one DKIM-Signature: its selector, algorithm, and whether it verified (and why not). */
    public record Verdict(String selector, String algorithm, boolean ok, String error) {}

    /** Skips the calling test, saying why, when python3-dkim is not installed. */
    public static void requireDkimpy() {
        Assumptions.assumeTrue(dkimpyInstalled(), "python3-dkim is not installed, so the Ed25519 signatures cannot be "
                + "verified independently: apt-get install -y python3-dkim python3-nacl");
    }

    public static synchronized boolean dkimpyInstalled() {
        if (dkimpy == null) {
            try {
                Process p = new ProcessBuilder(PYTHON, "-c", "import dkim, nacl").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                dkimpy = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
            } catch (IOException | InterruptedException e) {
                dkimpy = false;
            }
        }
        return dkimpy;
    }

    /** dkimpy's verdict on each DKIM-Signature of the message, topmost first. */
    public static List<Verdict> dkimpy(byte[] message, Map<String, String> dns) throws Exception {
        requireDkimpy();
        Path dir = Files.createTempDirectory("dkimpy");
        try {
            Path mail = Files.write(dir.resolve("message.eml"), message);
            Path records = dir.resolve("dns.json");
            JSON.writeValue(records.toFile(), dns);
            Path script = dir.resolve("verify.py");
            try (InputStream in = DkimVerifiers.class.getResourceAsStream("/dkim/verify.py")) {
                Files.copy(in, script);
            }
            Path out = dir.resolve("out.json");
            Process p = new ProcessBuilder(PYTHON, script.toString(), mail.toString(), records.toString())
                    .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("dkimpy did not finish within 120 s");
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new AssertionError("dkimpy failed (exit " + p.exitValue() + "): " + text);
            }
            List<Verdict> verdicts = new ArrayList<>();
            for (JsonNode n : JSON.readTree(text)) {
                verdicts.add(new Verdict(n.path("s").asText(null), n.path("a").asText(null), n.path("ok").asBoolean(),
                        n.path("error").asText(null)));
            }
            return verdicts;
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    /** jDKIM's verdict on each DKIM-Signature it checked (it knows rsa-sha256 only). */
    public static List<Verdict> jdkim(byte[] message, Map<String, String> dns) throws IOException {
        PublicKeyRecordRetriever retriever = (method, selector, domain) -> {
            String record = dns.get((selector + "._domainkey." + domain).toLowerCase(Locale.ROOT));
            if (record == null) {
                throw new PermFailException("no key for " + selector + "._domainkey." + domain);
            }
            return List.of(record);
        };
        DKIMVerifier verifier = new DKIMVerifier(retriever);
        try {
            verifier.verify(new ByteArrayInputStream(message));
        } catch (FailException e) {
            // each signature's result is in getResults()
        }
        List<Verdict> verdicts = new ArrayList<>();
        for (Result r : verifier.getResults()) {
            String selector = r.getRecord() == null ? null : String.valueOf(r.getRecord().getSelector());
            verdicts.add(new Verdict(selector, r.getRecord() == null ? null : "rsa-sha256", r.isSuccess(),
                    r.isSuccess() ? null : r.getErrorMessage()));
        }
        return verdicts;
    }
}
