package dev.outboxmailer.check;

import java.io.File;
import java.lang.reflect.Field;
import org.apache.camel.Exchange;
import org.apache.camel.component.file.GenericFile;
import org.apache.camel.component.file.GenericFileFilter;
import org.apache.camel.support.RoutePolicySupport;

/** Stand-ins for the mailer's beans in {@link Check}: of the real classes, inert, never called. */
final class StandIns {
    private StandIns() {}

    /** An instance of the class made without its constructor (its fields unset): for introspection only. */
    static Object of(String className) {
        try {
            Field field = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            field.setAccessible(true);
            return ((sun.misc.Unsafe) field.get(null)).allocateInstance(Class.forName(className));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot stand in for " + className, e);
        }
    }

    /** {@code watchedFolders}: the template's route policy and file filter, which opens no folder. */
    public static final class WatchedFolders extends RoutePolicySupport implements GenericFileFilter<File> {
        @Override
        public boolean accept(GenericFile<File> file) {
            return false;
        }

        /** The step {@code bean: {ref: watchedFolders, method: claim}}; never called: no route starts. */
        public void claim(Exchange exchange) {
            throw new IllegalStateException("check: no draft is claimed");
        }
    }
}
