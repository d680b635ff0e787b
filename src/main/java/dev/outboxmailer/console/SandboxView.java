package dev.outboxmailer.console;

import jakarta.mail.BodyPart;
import jakarta.mail.Header;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.InternetHeaders;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeUtility;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * The sandbox's captured messages ({@code sandbox/<n>.eml}) as a mail client shows them: a list of headers
 * newest first (only the header block of each listed file is read), and one message taken apart.
 */
final class SandboxView {
    static final int PAGE = 50;
    /** Nothing larger is taken apart (the raw source still downloads). */
    private static final long PARSE_MAX = 64L * 1024 * 1024;
    private static final Session SESSION = Session.getInstance(new Properties());

    record Summary(long number, String from, String to, String subject, String date, long size) {}

    /** A leaf part: its place in the message (for its address), what it is, and whether it is a download. */
    record Leaf(int index, String contentType, String fileName, String contentId, long size, boolean attachment) {}

    record Message(long number, String from, String to, String cc, String subject, String date, String text,
                   String html, List<Leaf> parts, List<String[]> headers, long size) {}

    private final Path folder;

    SandboxView(Path folder) {
        this.folder = folder;
    }

    Path folder() {
        return folder;
    }

    int count() {
        return numbers().size();
    }

    List<Long> numbers() {
        List<Long> all = new ArrayList<>();
        if (!Files.isDirectory(folder)) {
            return all;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, "*.eml")) {
            for (Path f : files) {
                String n = f.getFileName().toString();
                if (n.matches("\\d{1,18}\\.eml")) {
                    all.add(Long.parseLong(n.substring(0, n.length() - 4)));
                }
            }
        } catch (IOException e) {
            return all;
        }
        all.sort(Collections.reverseOrder());
        return all;
    }

    Path file(long number) {
        return folder.resolve(number + ".eml");
    }

    OutboxView.Page<Summary> list(int from) {
        List<Long> all = numbers();
        List<Summary> page = new ArrayList<>();
        int start = Math.min(Math.max(from, 0), all.size());
        for (int i = start; i < all.size() && page.size() < PAGE; i++) {
            Summary s = summary(all.get(i));
            if (s != null) {
                page.add(s);
            }
        }
        int end = Math.min(start + PAGE, all.size());
        return new OutboxView.Page<>(page, end < all.size() ? String.valueOf(end) : null, page.size());
    }

    private Summary summary(long number) {
        Path file = file(number);
        try (InputStream in = Files.newInputStream(file)) {
            InternetHeaders h = new InternetHeaders(in, true);
            return new Summary(number, addresses(h.getHeader("From", ",")), addresses(h.getHeader("To", ",")),
                    decode(h.getHeader("Subject", null)), nonNull(h.getHeader("Date", null)), Files.size(file));
        } catch (IOException | MessagingException e) {
            return null;
        }
    }

    /** The message, or null when there is no such file. */
    Message open(long number) throws IOException, MessagingException {
        Path file = file(number);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        long size = Files.size(file);
        MimeMessage m;
        if (size > PARSE_MAX) {
            try (InputStream in = Files.newInputStream(file)) {
                InternetHeaders h = new InternetHeaders(in, true);
                return new Message(number, addresses(h.getHeader("From", ",")), addresses(h.getHeader("To", ",")),
                        addresses(h.getHeader("Cc", ",")), decode(h.getHeader("Subject", null)),
                        nonNull(h.getHeader("Date", null)), "(this message is too large to show; download its source)",
                        null, List.of(), headers(h.getAllHeaders()), size);
            }
        }
        try (InputStream in = Files.newInputStream(file)) {
            m = new MimeMessage(SESSION, in);
        }
        List<Part> leaves = new ArrayList<>();
        collect(m, leaves);
        String text = null;
        String html = null;
        List<Leaf> described = new ArrayList<>();
        for (int i = 0; i < leaves.size(); i++) {
            Part p = leaves.get(i);
            String type = baseType(p);
            boolean attachment = Part.ATTACHMENT.equalsIgnoreCase(disposition(p)) || fileName(p) != null;
            if (!attachment && text == null && type.equals("text/plain")) {
                text = textOf(p);
                continue;
            }
            if (!attachment && html == null && type.equals("text/html")) {
                html = textOf(p);
                continue;
            }
            described.add(new Leaf(i, type, fileName(p), contentId(p), sizeOf(p), attachment || contentId(p) == null));
        }
        return new Message(number, addresses(m.getHeader("From", ",")), addresses(m.getHeader("To", ",")),
                addresses(m.getHeader("Cc", ",")), nonNull(m.getSubject()), nonNull(m.getHeader("Date", null)),
                text, html, described, headers(m.getAllHeaders()), size);
    }

    /** The leaf part at that index (as {@link Leaf#index}), or null. */
    Part part(long number, int index) throws IOException, MessagingException {
        Path file = file(number);
        if (!Files.isRegularFile(file) || Files.size(file) > PARSE_MAX) {
            return null;
        }
        MimeMessage m;
        try (InputStream in = Files.newInputStream(file)) {
            m = new MimeMessage(SESSION, in);
        }
        List<Part> leaves = new ArrayList<>();
        collect(m, leaves);
        return index >= 0 && index < leaves.size() ? leaves.get(index) : null;
    }

    /** The leaf parts with a Content-ID, for {@code cid:} references in the html body. */
    List<Part> inlineParts(long number) throws IOException, MessagingException {
        MimeMessage m;
        try (InputStream in = Files.newInputStream(file(number))) {
            m = new MimeMessage(SESSION, in);
        }
        List<Part> leaves = new ArrayList<>();
        collect(m, leaves);
        return leaves.stream().filter(p -> contentId(p) != null).toList();
    }

    private static void collect(Part part, List<Part> leaves) throws IOException, MessagingException {
        if (part.isMimeType("multipart/*")) {
            Object content = part.getContent();
            if (content instanceof Multipart multi) {
                for (int i = 0; i < multi.getCount(); i++) {
                    BodyPart child = multi.getBodyPart(i);
                    collect(child, leaves);
                }
                return;
            }
        }
        leaves.add(part);
    }

    static String baseType(Part p) {
        try {
            return new ContentType(p.getContentType()).getBaseType().toLowerCase(Locale.ROOT);
        } catch (MessagingException | RuntimeException e) {
            return "application/octet-stream";
        }
    }

    private static String disposition(Part p) {
        try {
            return p.getDisposition();
        } catch (MessagingException e) {
            return null;
        }
    }

    static String fileName(Part p) {
        try {
            String name = p.getFileName();
            return name == null ? null : decode(name);
        } catch (MessagingException | RuntimeException e) {
            return null;
        }
    }

    static String contentId(Part p) {
        try {
            String[] ids = p.getHeader("Content-ID");
            if (ids == null || ids.length == 0) {
                return null;
            }
            String id = ids[0].strip();
            return id.startsWith("<") && id.endsWith(">") ? id.substring(1, id.length() - 1) : id;
        } catch (MessagingException e) {
            return null;
        }
    }

    /** The decoded bytes of a part. */
    static byte[] bytes(Part p) throws IOException, MessagingException {
        try (InputStream in = p.getInputStream()) {
            return in.readAllBytes();
        }
    }

    private static long sizeOf(Part p) {
        try (InputStream in = p.getInputStream()) {
            return in.transferTo(OutputStreamSink.INSTANCE);
        } catch (IOException | MessagingException e) {
            return -1;
        }
    }

    private static String textOf(Part p) {
        try {
            byte[] raw = bytes(p);
            Charset charset = StandardCharsets.UTF_8;
            try {
                String name = new ContentType(p.getContentType()).getParameter("charset");
                if (name != null) {
                    charset = Charset.forName(MimeUtility.javaCharset(name));
                }
            } catch (RuntimeException | MessagingException unknown) {
                // UTF-8 then
            }
            return new String(raw, charset);
        } catch (IOException | MessagingException e) {
            return "(this part cannot be read: " + e.getMessage() + ")";
        }
    }

    private static List<String[]> headers(Enumeration<Header> all) {
        List<String[]> list = new ArrayList<>();
        while (all.hasMoreElements()) {
            Header h = all.nextElement();
            list.add(new String[] {h.getName(), h.getValue()});
        }
        return list;
    }

    /** Display names decoded (RFC 2047), addresses as they are; the raw text where it does not parse. */
    static String addresses(String header) {
        if (header == null) {
            return "";
        }
        try {
            InternetAddress[] parsed = InternetAddress.parseHeader(header, false);
            List<String> shown = new ArrayList<>();
            for (InternetAddress a : parsed) {
                shown.add(a.getPersonal() == null || a.getPersonal().isBlank() ? a.getAddress()
                        : a.getPersonal() + " <" + a.getAddress() + ">");
            }
            return String.join(", ", shown);
        } catch (MessagingException | RuntimeException e) {
            return decode(header);
        }
    }

    static String decode(String text) {
        if (text == null) {
            return "";
        }
        try {
            return MimeUtility.decodeText(MimeUtility.unfold(text));
        } catch (IOException | RuntimeException e) {
            return text;
        }
    }

    private static String nonNull(String s) {
        return s == null ? "" : s;
    }

    /** Counts bytes without keeping them. */
    private static final class OutputStreamSink extends java.io.OutputStream {
        static final OutputStreamSink INSTANCE = new OutputStreamSink();

        @Override
        public void write(int b) {
            // dropped
        }

        @Override
        public void write(byte[] b, int off, int len) {
            // dropped
        }
    }

}
