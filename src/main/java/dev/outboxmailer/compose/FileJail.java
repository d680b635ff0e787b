package dev.outboxmailer.compose;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Opens a file to send (an attachment, a bare file, a draft) once, and proves that what it opened is the
 * regular file it checked (SPEC §9, "the jail holds at send time"):
 * <ul>
 *   <li>inside the outbox, the path is walked from the outbox folder one name at a time with
 *       {@link SecureDirectoryStream} (openat, no link followed on any component), so a folder swapped for
 *       a link is never passed through;</li>
 *   <li>every name is looked at (lstat) before it is opened: a named pipe, device, socket or folder is
 *       refused without being opened, so nothing blocks;</li>
 *   <li>after the open the name must still be the same file (device and inode), a regular file with one
 *       link only (a hard link could be a file from anywhere on the same filesystem), not in /proc, /sys
 *       or /dev.</li>
 * </ul>
 * A refusal is a {@link Refused} whose message completes a sentence about the file ("... is a named pipe").
 */
final class FileJail {

    private static final Set<OpenOption> READ_NO_LINKS = Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);

    /** Why a file is not sent: a phrase that follows its name. */
    static final class Refused extends Exception {
        Refused(String phrase) {
            super(phrase, null, false, false);
        }
    }

    private FileJail() {}

    /**
     * Opens {@code relative} (a path without links, as {@code toRealPath} gave it) inside {@code root} (a
     * real path) without following any link.
     */
    static OpenFile openInside(Path root, Path relative) throws Refused, IOException {
        if (relative.isAbsolute() || relative.getNameCount() == 0 || relative.toString().isEmpty()) {
            throw new Refused("is not a file inside the outbox folder");
        }
        DirectoryStream<Path> top = Files.newDirectoryStream(root);
        if (!(top instanceof SecureDirectoryStream<Path> dir)) {
            top.close();
            return openAlone(root.resolve(relative)); // no openat here: the name is checked before and after
        }
        SecureDirectoryStream<Path> current = dir;
        try {
            for (int i = 0; i < relative.getNameCount() - 1; i++) {
                Path name = relative.getName(i);
                BasicFileAttributes folder = stat(current, name);
                if (!folder.isDirectory()) {
                    throw new Refused(folder.isSymbolicLink() ? "changed while it was checked: " + quoted(name)
                            + " on its way became a link" : "has " + quoted(name) + " on its way, which is not a folder");
                }
                SecureDirectoryStream<Path> next = current.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS);
                current.close();
                current = next;
            }
            Path name = relative.getFileName();
            BasicFileAttributes before = stat(current, name);
            requireRegular(before, root.resolve(relative));
            SeekableByteChannel opened;
            try {
                opened = current.newByteChannel(name, READ_NO_LINKS);
            } catch (FileSystemException e) {
                throw new Refused("changed while it was checked (it became a link)");
            }
            return proved(opened, before, stat(current, name), root.resolve(relative));
        } finally {
            current.close();
        }
    }

    /** Opens a file by itself (a draft as intake hands it over): never through a link, and proved the same way. */
    static OpenFile openAlone(Path file) throws Refused, IOException {
        BasicFileAttributes before = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        requireRegular(before, file);
        SeekableByteChannel opened;
        try {
            opened = Files.newByteChannel(file, READ_NO_LINKS);
        } catch (FileSystemException e) {
            if (e instanceof NoSuchFileException) {
                throw e;
            }
            throw new Refused("changed while it was checked (it became a link)");
        }
        return proved(opened, before, Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS), file);
    }

    private static BasicFileAttributes stat(SecureDirectoryStream<Path> dir, Path name) throws IOException {
        return dir.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes();
    }

    /** Before anything is opened: a regular file, or a refusal saying what it is. */
    private static void requireRegular(BasicFileAttributes a, Path path) throws Refused {
        if (a.isRegularFile()) {
            return;
        }
        if (a.isSymbolicLink()) {
            throw new Refused("is a symbolic link; links are not followed, so that nothing outside the outbox folder "
                    + "can be sent: put the file itself there");
        }
        if (a.isDirectory()) {
            throw new Refused("is a folder, not a file");
        }
        throw new Refused("is " + kindOf(path) + ", not a regular file; it was not opened");
    }

    /** After the open: the same file as looked at, with one link, not in a kernel's file system. */
    private static OpenFile proved(SeekableByteChannel opened, BasicFileAttributes before, BasicFileAttributes after,
                                   Path path) throws Refused, IOException {
        boolean ok = false;
        try {
            if (!(opened instanceof FileChannel channel)) {
                throw new IOException("not a file channel: " + opened.getClass().getName());
            }
            Object key = before.fileKey();
            if (!after.isRegularFile() || key == null || !key.equals(after.fileKey())) {
                throw new Refused("changed while it was checked (it was replaced); drop it again");
            }
            Map<String, Object> unix = unix(path);
            if (unix != null) {
                if (!key.equals(unix.get("fileKey"))) {
                    throw new Refused("changed while it was checked (a folder on its way was replaced); drop it again");
                }
                int links = ((Number) unix.get("nlink")).intValue();
                if (links > 1) {
                    throw new Refused("has " + links + " hard links: it may be a file from outside the outbox folder "
                            + "under another name, so it is not sent; copy the file instead of linking it");
                }
                if (KERNEL_DEVICES.contains(unix.get("dev"))) {
                    throw new Refused("is in /proc, /sys or /dev, which hold no files to send");
                }
            }
            ok = true;
            return new OpenFile(channel, before.size());
        } finally {
            if (!ok) {
                opened.close();
            }
        }
    }

    private static Map<String, Object> unix(Path path) throws IOException {
        if (!path.getFileSystem().supportedFileAttributeViews().contains("unix")) {
            return null;
        }
        try {
            return Files.readAttributes(path, "unix:nlink,dev,fileKey", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return Map.of("fileKey", "gone", "nlink", 1, "dev", -1L);
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            return null;
        }
    }

    /** The devices of /proc, /sys and /dev: their "files" are the kernel's, never a user's draft. */
    private static final Set<Object> KERNEL_DEVICES = kernelDevices();

    private static Set<Object> kernelDevices() {
        Set<Object> devices = new HashSet<>();
        for (String name : List.of("/proc", "/sys", "/dev")) {
            try {
                devices.add(Files.getAttribute(Path.of(name), "unix:dev"));
            } catch (IOException | RuntimeException e) {
                // not there, or not a unix file system
            }
        }
        return devices;
    }

    /** What a file that is not regular is, in words (best effort: only for the reason). */
    private static String kindOf(Path path) {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return switch (mode & 0170000) {
                case 0010000 -> "a named pipe (FIFO)";
                case 0020000 -> "a character device";
                case 0060000 -> "a block device";
                case 0140000 -> "a socket";
                default -> "a special file";
            };
        } catch (IOException | RuntimeException e) {
            return "a special file";
        }
    }

    private static String quoted(Path name) {
        return HeaderSafety.quoted(Objects.toString(name));
    }
}
