package dev.jreclaim.agent.range.stress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * This process's mappings at one moment.
 *
 * @param maps        the lines of /proc/self/maps
 * @param userfaultfd mappings registered with a userfaultfd (VmFlags "um" or "uw" in /proc/self/smaps)
 * @param noHugePage  mappings with MADV_NOHUGEPAGE (VmFlags "nh"), which every range gets
 * @param noHugePageBytes their total size: adjacent ranges can merge into one mapping, so a leak shows
 *                    for sure in the bytes, not always in the count
 */
record ProcessMappings(List<String> maps, int userfaultfd, int noHugePage, long noHugePageBytes) {
    static ProcessMappings now() throws IOException {
        List<String> maps = Files.readAllLines(Path.of("/proc/self/maps"));
        int uffd = 0, nh = 0;
        long nhBytes = 0, size = 0;
        for (String l : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            if (l.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
                String[] span = l.substring(0, l.indexOf(' ')).split("-");
                size = Long.parseUnsignedLong(span[1], 16) - Long.parseUnsignedLong(span[0], 16);
            } else if (l.startsWith("VmFlags:")) {
                List<String> flags = List.of(l.substring("VmFlags:".length()).trim().split("\\s+"));
                uffd += flags.contains("um") || flags.contains("uw") ? 1 : 0;
                if (flags.contains("nh")) {
                    nh++;
                    nhBytes += size;
                }
            }
        }
        return new ProcessMappings(maps, uffd, nh, nhBytes);
    }

    /** The lines of /proc/self/maps that are here and not in {@code other}. */
    List<String> linesNotIn(ProcessMappings other) {
        List<String> extra = new ArrayList<>(maps);
        extra.removeAll(other.maps);
        return extra;
    }

    @Override
    public String toString() {
        return maps.size() + " maps lines, " + userfaultfd + " registered with a userfaultfd, " + noHugePage
                + " MADV_NOHUGEPAGE (" + noHugePageBytes + " bytes)";
    }
}
