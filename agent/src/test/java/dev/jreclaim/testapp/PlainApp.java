package dev.jreclaim.testapp;

import java.nio.ByteBuffer;

/**
 * A child program (AgentConfigIT) with one site method and no reference to the agent: what it prints must be
 * the same with and without the agent, whatever the configuration.
 */
public final class PlainApp {
    private PlainApp() {}

    public static void main(String[] args) {
        ByteBuffer b = Sites.directSite(1, x -> {});
        long sum = 0;
        for (int i = 0; i < b.capacity(); i++) {
            sum += b.get(i);
        }
        System.out.println("plain app: direct " + b.isDirect() + ", capacity " + b.capacity() + ", sum " + sum);
    }
}
