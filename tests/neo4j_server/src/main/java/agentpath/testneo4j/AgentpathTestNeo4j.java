package agentpath.testneo4j;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;

/**
 * Test-only Neo4j server for agentpath: the embedded Neo4j Community DBMS with its Bolt
 * connector on 127.0.0.1, authentication disabled, and a small page cache.
 *
 * <pre>
 * java -cp 'target/agentpath-test-neo4j.jar:target/lib/*' agentpath.testneo4j.AgentpathTestNeo4j \
 *      --home DIR --port 7687 [--pagecache 96m] [--exit-on-stdin-eof]
 * </pre>
 *
 * Prints {@code AGENTPATH_NEO4J_READY bolt://127.0.0.1:PORT version=X} on stdout once Bolt accepts
 * connections. SIGTERM (or Ctrl-C) shuts the DBMS down cleanly through a shutdown hook; SIGKILL
 * leaves it to Neo4j's recovery on the next start, which is what crash tests rely on. With
 * {@code --exit-on-stdin-eof} the server also shuts down when its standard input closes, so a
 * parent test process that dies does not leave an orphan JVM behind.
 */
public final class AgentpathTestNeo4j {
    public static final String READY_MARKER = "AGENTPATH_NEO4J_READY";

    private AgentpathTestNeo4j() {}

    public static void main(String[] args) {
        Path home = null;
        int port = 7687;
        String host = "127.0.0.1";
        String pageCache = "96m";
        boolean exitOnStdinEof = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--home" -> home = Path.of(value(args, ++i, "--home"));
                case "--port" -> port = Integer.parseInt(value(args, ++i, "--port"));
                case "--host" -> host = value(args, ++i, "--host");
                case "--pagecache" -> pageCache = value(args, ++i, "--pagecache");
                case "--exit-on-stdin-eof" -> exitOnStdinEof = true;
                default -> usage("unknown argument: " + args[i]);
            }
        }
        if (home == null) {
            usage("--home is required");
        }
        try {
            run(home.toAbsolutePath(), host, port, pageCache, exitOnStdinEof);
        } catch (Throwable t) {
            System.err.println("AGENTPATH_NEO4J_FAILED " + t);
            t.printStackTrace();
            System.err.flush();
            Runtime.getRuntime().halt(1);
        }
    }

    private static void run(Path home, String host, int port, String pageCache, boolean exitOnStdinEof)
            throws InterruptedException {
        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress(host, port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress(host, port))
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, false)
                .setConfig(GraphDatabaseSettings.pagecache_memory, parseBytes(pageCache))
                .setConfig(GraphDatabaseSettings.pagecache_warmup_enabled, false)
                // no phoning home from tests (the network is closed anyway)
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                // Bolt waits 5 s + 5 s for idle connections and threads on shutdown by default;
                // the databases are already checkpointed and closed by then, so keep it short.
                .setConfig(BoltConnectorInternalSettings.connection_shutdown_wait_time, Duration.ofMillis(500))
                .setConfig(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time, Duration.ofMillis(500))
                .build();

        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean shutdownDone = new AtomicBoolean(false);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (shutdownDone.compareAndSet(false, true)) {
                System.out.println("AGENTPATH_NEO4J_STOPPING");
                System.out.flush();
                try {
                    dbms.shutdown();
                    System.out.println("AGENTPATH_NEO4J_STOPPED");
                } catch (Throwable t) {
                    System.err.println("AGENTPATH_NEO4J_SHUTDOWN_FAILED " + t);
                    t.printStackTrace();
                }
                System.out.flush();
                System.err.flush();
            }
            stopped.countDown();
        }, "agentpath-neo4j-shutdown"));

        GraphDatabaseService db = dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
        String version = db.executeTransactionally(
                "CALL dbms.components() YIELD versions RETURN versions[0] AS v",
                Map.of(),
                result -> String.valueOf(result.next().get("v")));

        System.out.println(READY_MARKER + " bolt://" + host + ":" + port + " version=" + version
                + " home=" + home);
        System.out.flush();

        if (exitOnStdinEof) {
            Thread watcher = new Thread(AgentpathTestNeo4j::exitWhenStdinCloses, "agentpath-stdin-watch");
            watcher.setDaemon(true);
            watcher.start();
        }
        stopped.await();
    }

    private static void exitWhenStdinCloses() {
        InputStream in = System.in;
        byte[] buffer = new byte[256];
        try {
            while (in.read(buffer) >= 0) {
                // discard: stdin is only a liveness channel to the parent process
            }
        } catch (IOException ignored) {
            // treat a broken stdin like EOF
        }
        System.out.println("AGENTPATH_NEO4J_STDIN_CLOSED parent went away, shutting down");
        System.out.flush();
        System.exit(0); // runs the shutdown hook
    }

    /** Parses sizes such as {@code 96m}, {@code 1g}, {@code 65536}. */
    static long parseBytes(String text) {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        long unit = 1;
        char last = t.isEmpty() ? ' ' : t.charAt(t.length() - 1);
        switch (last) {
            case 'k' -> unit = 1024L;
            case 'm' -> unit = 1024L * 1024;
            case 'g' -> unit = 1024L * 1024 * 1024;
            default -> {
                return Long.parseLong(t);
            }
        }
        return Long.parseLong(t.substring(0, t.length() - 1)) * unit;
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            usage(flag + " needs a value");
        }
        return args[i];
    }

    private static void usage(String problem) {
        System.err.println("AgentpathTestNeo4j: " + problem);
        System.err.println(
                "usage: AgentpathTestNeo4j --home DIR [--port 7687] [--host 127.0.0.1] [--pagecache 96m]"
                        + " [--exit-on-stdin-eof]");
        System.exit(2);
    }
}
