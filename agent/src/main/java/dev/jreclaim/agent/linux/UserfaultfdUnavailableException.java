package dev.jreclaim.agent.linux;

/** No way to open a userfaultfd is permitted to this process (seccomp, no device, no privilege). */
public class UserfaultfdUnavailableException extends RuntimeException {
    public UserfaultfdUnavailableException(String message) {
        super(message);
    }
}
