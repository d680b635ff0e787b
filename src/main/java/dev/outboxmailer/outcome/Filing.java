package dev.outboxmailer.outcome;

import dev.outboxmailer.state.Outboxes;
import dev.outboxmailer.state.StateTrouble;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The outcome folders of every watched outbox. Opening one finishes the filings a crash or a disk problem
 * interrupted (the first step of the outbox's recovery, see {@link Outboxes}).
 */
public final class Filing implements Outboxes.Filings {
    private final Map<Path, OutcomeFolders> folders = new ConcurrentHashMap<>();
    private final StateTrouble trouble;

    public Filing(StateTrouble trouble) {
        this.trouble = trouble;
    }

    @Override
    public Set<Path> open(Path outbox) throws IOException {
        OutcomeFolders folder = new OutcomeFolders(outbox, trouble);
        folders.put(outbox, folder);
        return folder.recover();
    }

    public OutcomeFolders of(Path outbox) {
        OutcomeFolders folder = folders.get(outbox);
        if (folder == null) {
            throw new IllegalStateException("the outbox " + outbox + " was not opened");
        }
        return folder;
    }

    /** Tries every failed filing again; returns the claimed draft files now filed. */
    public List<Path> fileAgain() {
        List<Path> filed = new ArrayList<>();
        for (OutcomeFolders folder : folders.values()) {
            filed.addAll(folder.fileAgain());
        }
        return filed;
    }
}
