package dev.jreclaim.testapp;

import java.nio.ByteBuffer;

/**
 * Site classes for a late attach (AgentAttachIT): {@link Early} is loaded and run before the agent is
 * attached, {@link Late} only after.
 */
public final class AttachSites {
    private AttachSites() {}

    public static final class Early {
        private Early() {}

        public static ByteBuffer site() {
            return Sites.filledBuffer(Sites.SIZE);
        }
    }

    public static final class Late {
        private Late() {}

        public static ByteBuffer site() {
            return Sites.filledBuffer(Sites.SIZE);
        }
    }
}
