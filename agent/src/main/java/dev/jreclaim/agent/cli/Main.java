package dev.jreclaim.agent.cli;

/** {@code java -jar jreclaim-agent.jar <command>}. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        String cmd = args.length == 0 ? "help" : args[0];
        switch (cmd) {
            case "doctor" -> System.exit(dev.jreclaim.agent.doctor.Doctor.run(System.out));
            default -> {
                System.out.println("usage: java -jar jreclaim-agent.jar doctor");
                System.exit(cmd.equals("help") ? 0 : 2);
            }
        }
    }
}
