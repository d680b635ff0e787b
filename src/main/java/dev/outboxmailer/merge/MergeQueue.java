package dev.outboxmailer.merge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outboxmailer.compose.Draft;
import dev.outboxmailer.compose.InvalidDraftException;
import dev.outboxmailer.message.QueuedDraft;
import dev.outboxmailer.observe.MailerMetrics;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Locale;
import java.util.NoSuchElementException;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A merge envelope that arrives on the queue (SPEC §5, §13), bean {@code mergeQueue}: {@code template} and
 * {@code rows} as an inline list (no files: the queue has no outbox folder). In route {@code outbox-queue}, the
 * message is expanded into one queued draft a row — an ordinary envelope with its own Message-ID (fixed by the
 * JMS message id and the row number, so a redelivered merge expands into the same mails) — sent to the queue in
 * the transaction that takes the merge off it: each row then has the outcomes of any queued draft (receipt,
 * retries, dead letter). A row that cannot become a mail goes to {@code <queue>.DLQ} with {@code errorKind},
 * {@code errorReason} naming the row, and {@code outboxMergeRow}; an unusable merge is dead-lettered whole.
 */
public final class MergeQueue {
    private static final Logger LOG = LoggerFactory.getLogger(MergeQueue.class);
    public static final String ROW = "outboxMergeRow";

    private final String queue;
    private final String deadLetters;
    private final MailerMetrics metrics;
    private final long maxBytes;
    private final String defaultDomain;

    public MergeQueue(String queue, String deadLetters, MailerMetrics metrics, long maxBytes, String defaultDomain) {
        this.queue = queue;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.maxBytes = maxBytes;
        this.defaultDomain = defaultDomain;
    }

    /** Is the draft read from the queue a merge envelope (an object with {@code template} and {@code rows})? */
    public boolean isMerge(Exchange exchange) {
        if (!(exchange.getMessage().getBody() instanceof Draft draft)) {
            return false;
        }
        String ext = draft.extension();
        if (!ext.equals("json") && !ext.equals("yaml")) {
            return false;
        }
        String text = new String(draft.bytes(), StandardCharsets.UTF_8);
        if (!text.contains("template") || !text.contains("rows")) {
            return false;
        }
        try {
            JsonNode root = ext.equals("json") ? MergeDraft.JSON.readTree(text)
                    : new com.fasterxml.jackson.dataformat.yaml.YAMLMapper().readTree(text);
            return root != null && root.isObject() && root.has("template") && root.has("rows");
        } catch (Exception e) {
            return false;
        }
    }

    /** One row leaving for the queue: its envelope, or (failed) its values and the reason. */
    public record RowMessage(int row, String body, String errorKind, String errorReason) {}

    /** The merge's rows, rendered one by one as the split asks for them. */
    public Iterator<RowMessage> expand(Exchange exchange) throws InvalidDraftException {
        Draft draft = exchange.getMessage().getBody(Draft.class);
        String name = draft.name();
        String fileName = name.toLowerCase(Locale.ROOT).endsWith(".json") ? "queue.merge.json" : "queue.merge.yaml";
        MergeDraft merge = MergeDraft.read(fileName, draft.bytes(), new RowTemplate.Settings(null, maxBytes));
        if (merge.inlineRows() == null) {
            throw new InvalidDraftException("\"rows\": a merge on the queue takes its rows as an inline list; the queue has "
                    + "no outbox folder to read " + merge.rowsPath() + " from");
        }
        if (merge.preview()) {
            throw new InvalidDraftException("\"preview\" is for merge drafts in the outbox folder (the preview is written "
                    + "there); drop the merge into the outbox to preview it");
        }
        QueuedDraft queued = exchange.getProperty(QueuedDraft.PROPERTY, QueuedDraft.class);
        String token = token(queued == null ? name : queued.id());
        String correlation = queued == null ? null : queued.correlationId() != null ? queued.correlationId() : queued.id();
        exchange.setProperty("outboxMergeCorrelation", correlation);
        int rows = merge.inlineRows().size();
        LOG.info("MERGE {}: {} rows, each queued as a draft of its own", draft.name(), rows);
        return new Iterator<>() {
            int next;

            @Override
            public boolean hasNext() {
                return next < rows;
            }

            @Override
            public RowMessage next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int row = ++next;
                JsonNode values = merge.inlineRows().get(row - 1);
                @SuppressWarnings("unchecked")
                java.util.Map<String, Object> map = MergeDraft.JSON.convertValue(values, java.util.Map.class);
                try {
                    ObjectNode envelope = merge.template().render(map, null);
                    envelope.put("messageId", "<merge." + token + "." + row + "@"
                            + MergeRuns.domainOf(envelope.path("from").asText(null), defaultDomain) + ">");
                    return new RowMessage(row, envelope.toString(), null, null);
                } catch (RowTemplate.RowException e) {
                    String reason = "row " + row + ": " + e.getMessage();
                    metrics.failed("invalid-draft");
                    LOG.warn("FAILED {} row {} (invalid-draft): {}", draft.name(), row, e.getMessage());
                    return new RowMessage(row, values.toString(), "invalid-draft", reason);
                }
            }
        };
    }

    /** In the split: the row's message — to the queue, or with its reason to the dead-letter queue. */
    public void prepare(Exchange exchange) {
        RowMessage row = exchange.getMessage().getBody(RowMessage.class);
        Object correlation = exchange.getProperty("outboxMergeCorrelation");
        Message out = exchange.getMessage();
        out.removeHeaders("*");
        out.setBody(row.body());
        out.setHeader(ROW, row.row());
        if (correlation != null) {
            out.setHeader("JMSCorrelationID", correlation);
        }
        if (row.errorKind() != null) {
            out.setHeader("errorKind", row.errorKind());
            out.setHeader("errorReason", row.errorReason());
        }
        exchange.setProperty("outboxMergeTo", row.errorKind() == null ? queue : deadLetters);
    }

    private static String token(String id) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
