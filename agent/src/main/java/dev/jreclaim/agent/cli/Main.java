package dev.jreclaim.agent.cli;

/** {@code java -jar jreclaim-agent.jar <command>}. */
public final class Main {
    static final String USAGE = "usage: java -jar jreclaim-agent.jar doctor | stat <pid> [interval-ms] [count] | purge <pid> [rule]";

    private Main() {}

    public static void main(String[] args) throws InterruptedException {
        String cmd = args.length == 0 ? "help" : args[0];
        try {
            switch (cmd) {
                case "doctor" -> System.exit(dev.jreclaim.agent.doctor.Doctor.run(System.out));
                case "stat" -> StatCommand.run(args, System.out);
                case "purge" -> PurgeCommand.run(args, System.out);
                default -> {
                    System.out.println(USAGE);
                    System.exit(cmd.equals("help") ? 0 : 2);
                }
            }
        } catch (CliError e) {
            System.err.println("jreclaim: " + e.getMessage());
            System.exit(1);
        }
    }
}
