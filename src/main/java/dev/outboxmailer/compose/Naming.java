package dev.outboxmailer.compose;

/**
 * How a reason names the part of a draft it is about, so a person finds it: {@code "attachments[1].path"}
 * in a JSON or YAML envelope, {@code "Attach" (line 4)} in a note.
 */
interface Naming {

    /** The label of a field, given by its envelope name ({@code to}, {@code replyTo}, {@code messageId}, …). */
    String field(String envelopeName);

    /** The label of a custom header. */
    String header(String name);

    /** The label of attachment {@code index} (from 0), or of one of its fields when {@code field} is not null. */
    String attachment(int index, String field);

    /** Envelope drafts: the JSON/YAML field path in quotes. */
    Naming ENVELOPE = new Naming() {
        @Override
        public String field(String envelopeName) {
            return "\"" + envelopeName + "\"";
        }

        @Override
        public String header(String name) {
            return "\"headers." + name + "\"";
        }

        @Override
        public String attachment(int index, String field) {
            return "\"attachments[" + index + "]" + (field == null ? "" : "." + field) + "\"";
        }
    };
}
