package dev.outboxmailer.bounce;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outboxmailer.bounce.BounceReport.Finding;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.OffsetDateTime;

/**
 * {@code .sent/<day>/<name>.bounce.json} beside the draft's receipt: {@code {"draft", "messageId", "bounces": [
 * {recipient, action, status, diagnostic, reportingMta, receivedAt, hard}]}}; several bounces for one draft add up
 * in its list (the same recipient, action and status only once).
 */
final class BounceFiles {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private BounceFiles() {}

    /** The receipt of that message: {@code <name>.receipt.json}, or one with a suffix, on its day or the next. */
    static Path receipt(SentIndex.Sent sent) {
        if (sent.outbox() == null) {
            return null; // a queue draft: its receipt went to the receipts queue, its bounces go to <queue>.bounces
        }
        for (int d = 0; d <= 1; d++) {
            Path day = sent.outbox().resolve(".sent").resolve(sent.day().plusDays(d).toString());
            Path exact = day.resolve(sent.name() + ".receipt.json");
            if (sentUnder(exact, sent.messageId())) {
                return exact;
            }
            if (!Files.isDirectory(day)) {
                continue;
            }
            String stem = stem(sent.name());
            try (DirectoryStream<Path> files = Files.newDirectoryStream(day, p -> {
                String n = p.getFileName().toString();
                return n.startsWith(stem) && n.endsWith(".receipt.json");
            })) {
                for (Path f : files) {
                    if (sentUnder(f, sent.messageId())) {
                        return f;
                    }
                }
            } catch (IOException e) {
                return null;
            }
        }
        return null;
    }

    /** Adds the finding to the draft's bounce file; false when it was there already. */
    static synchronized boolean add(Path receipt, String messageId, Finding f, OffsetDateTime receivedAt) throws IOException {
        String receiptName = receipt.getFileName().toString();
        String name = receiptName.substring(0, receiptName.length() - ".receipt.json".length());
        Path file = receipt.resolveSibling(name + ".bounce.json");
        ObjectNode root;
        if (Files.isRegularFile(file)) {
            root = (ObjectNode) JSON.readTree(file.toFile());
        } else {
            root = JSON.createObjectNode().put("draft", name).put("messageId", messageId);
            root.putArray("bounces");
        }
        ArrayNode bounces = (ArrayNode) root.get("bounces");
        for (var b : bounces) {
            if (b.path("recipient").asText().equalsIgnoreCase(f.recipient()) && b.path("action").asText().equals(f.action())
                    && b.path("status").asText("").equals(f.status() == null ? "" : f.status())) {
                return false;
            }
        }
        ObjectNode b = bounces.addObject();
        b.put("recipient", f.recipient()).put("action", f.action()).put("status", f.status())
                .put("diagnostic", f.diagnostic()).put("reportingMta", f.reportingMta())
                .put("receivedAt", receivedAt.toString()).put("hard", f.hard());
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(tmp, JSON.writeValueAsString(root));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return true;
    }

    private static boolean sentUnder(Path receipt, String messageId) {
        try {
            return Files.isRegularFile(receipt) && messageId.equals(JSON.readTree(receipt.toFile()).path("messageId").asText());
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static String stem(String name) {
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }
}
