// chaosrun's workload clients on the Apache Kafka Java client. chaosrun
// compiles this file against the pinned Kafka version's jars and runs one
// process per producer or kitchen-display member. The schedule, the events
// and the processing stay in chaosrun; what runs here is the client: its
// buffering, retries, timeouts, group membership and commits.
//
// Protocol (stdout carries only these lines; the client's own logs go to stderr):
//   check-producer|check-consumer PROPS: "config KEY VALUE" per effective
//     setting, "unknown KEY", "invalid MESSAGE"; exit 3 when refused.
//   produce PROPS TOPIC: reads frames on stdin ('R' seq:int64 key value
//     nheaders:uint16 {key value}; each byte field int32 length, -1 for null;
//     'F' flush and close), prints "ready", then per send
//     "a SEQ PARTITION OFFSET", "f SEQ ERROR" (certainly not written) or
//     "u SEQ ERROR" (may be written), then "closed".
//   consume PROPS TOPIC safe|auto: prints "ready", "assigned|revoked|lost GEN
//     P,P,...", "poll N" and N lines "r PARTITION OFFSET KEY VALUE {HKEY HVALUE}"
//     (byte fields "~" + base64, "-" for null), "error MESSAGE", "closed".
//     In safe mode each poll waits for "commit" (commitSync, answered
//     "committed" or "commit-failed ERROR") or "skip"; "stop" on stdin ends it.
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.DataInputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.BufferExhaustedException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public final class ChaosrunClient {
    private ChaosrunClient() {}

    public static void main(String[] args) throws Exception {
        // The protocol owns stdout: anything else printing there goes to stderr.
        Out out = new Out(new FileOutputStream(FileDescriptor.out));
        System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true));
        if (args.length < 2) {
            System.err.println("usage: ChaosrunClient check-producer|check-consumer|produce|consume PROPS [TOPIC [safe|auto]]");
            System.exit(2);
        }
        Properties props = new Properties();
        try (FileInputStream in = new FileInputStream(args[1])) {
            props.load(new InputStreamReader(in, StandardCharsets.UTF_8));
        }
        int code = 0;
        switch (args[0]) {
            case "check-producer":
                code = check(out, props, true);
                break;
            case "check-consumer":
                code = check(out, props, false);
                break;
            case "produce":
                produce(out, props, args[2]);
                break;
            case "consume":
                consume(out, props, args[2], "auto".equals(args[3]));
                break;
            default:
                System.err.println("unknown mode " + args[0]);
                code = 2;
        }
        out.close();
        System.exit(code);
    }

    // check reports every setting that is not the client's and builds the
    // client (without connecting), so a bad value or combination is refused
    // the way the application would see it, before any run starts.
    private static int check(Out out, Properties props, boolean producer) {
        Set<String> known = producer ? ProducerConfig.configNames() : ConsumerConfig.configNames();
        int bad = 0;
        for (String k : props.stringPropertyNames()) {
            if (!known.contains(k)) {
                out.line("unknown " + k);
                bad++;
            }
        }
        serializers(props, producer); // unknown names are only warned of by the client: it builds without them
        try {
            Map<String, ?> values;
            if (producer) {
                values = new ProducerConfig(props).values();
                new KafkaProducer<byte[], byte[]>(props).close(Duration.ZERO);
            } else {
                values = new ConsumerConfig(props).values();
                new KafkaConsumer<byte[], byte[]>(props).close(CloseOptions.timeout(Duration.ZERO));
            }
            for (Map.Entry<String, Object> e : new TreeMap<String, Object>(values).entrySet()) {
                out.line("config " + e.getKey() + " " + oneLine(String.valueOf(e.getValue())));
            }
            if (bad > 0) {
                return 3;
            }
        } catch (KafkaException e) {
            Throwable t = e;
            while (!(t instanceof ConfigException) && t.getCause() != null) {
                t = t.getCause();
            }
            out.line("invalid " + oneLine(t.getMessage()));
            return 3;
        }
        return 0;
    }

    private static void serializers(Properties props, boolean producer) {
        if (producer) {
            props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        } else {
            props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        }
    }

    private static void produce(Out out, Properties props, String topic) throws IOException {
        serializers(props, true);
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props);
        Thread sending = Thread.currentThread();
        try {
            // An application is up before its load: the topic's metadata is
            // fetched now, not by the schedule's first send.
            producer.partitionsFor(topic);
        } catch (KafkaException e) {
            System.err.println("metadata of " + topic + " before the first send: " + describe(e));
        }
        out.flushLine("ready");
        DataInputStream in = new DataInputStream(new BufferedInputStream(System.in, 1 << 16));
        while (true) {
            int op = in.read();
            if (op == -1 || op == 'F') {
                break;
            }
            if (op != 'R') {
                throw new IOException("unknown frame " + op);
            }
            long seq = in.readLong();
            byte[] key = bytes(in);
            byte[] value = bytes(in);
            int n = in.readUnsignedShort();
            RecordHeaders headers = new RecordHeaders();
            for (int i = 0; i < n; i++) {
                headers.add(new String(bytes(in), StandardCharsets.UTF_8), bytes(in));
            }
            try {
                producer.send(new ProducerRecord<>(topic, null, null, key, value, headers), (md, e) -> {
                    if (e == null) {
                        out.line("a " + seq + " " + md.partition() + " " + md.offset());
                    } else {
                        // A failure reported on the sending thread happened inside
                        // send(), before the record joined a batch.
                        boolean unsent = Thread.currentThread() == sending || notWritten(e);
                        out.line((unsent ? "f " : "u ") + seq + " " + describe(e));
                    }
                });
            } catch (KafkaException e) {
                out.line("f " + seq + " " + describe(e));
            }
        }
        producer.flush();
        producer.close();
        out.flushLine("closed");
    }

    // notWritten: errors after which the record is certainly not in the log.
    private static boolean notWritten(Exception e) {
        return e instanceof BufferExhaustedException || e instanceof RecordTooLargeException
            || e instanceof RecordBatchTooLargeException || e instanceof InvalidTopicException
            || e instanceof InvalidRecordException || e instanceof AuthorizationException
            || e instanceof SerializationException;
    }

    private static byte[] bytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    private static void consume(Out out, Properties props, String topic, boolean auto) throws Exception {
        serializers(props, false);
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props);
        AtomicBoolean stop = new AtomicBoolean();
        BlockingQueue<String> commands = new LinkedBlockingQueue<>();
        Thread stdin = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.equals("stop")) {
                        stop.set(true);
                    }
                    commands.add(line);
                }
            } catch (IOException e) {
                // stdin closed: chaosrun is gone
            }
            stop.set(true);
            commands.add("stop");
        }, "chaosrun-commands");
        stdin.setDaemon(true);
        stdin.start();
        consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> parts) {
                owned(out, consumer, "assigned", parts);
            }

            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> parts) {
                owned(out, consumer, "revoked", parts);
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> parts) {
                owned(out, consumer, "lost", parts);
            }
        });
        out.flushLine("ready");
        Base64.Encoder b64 = Base64.getEncoder();
        StringBuilder sb = new StringBuilder(1 << 16);
        while (!stop.get()) {
            ConsumerRecords<byte[], byte[]> records;
            try {
                records = consumer.poll(Duration.ofMillis(100));
            } catch (KafkaException e) {
                out.flushLine("error " + describe(e));
                Thread.sleep(100); // an error that repeats must not flood chaosrun
                continue;
            }
            if (records.isEmpty()) {
                continue;
            }
            sb.setLength(0);
            sb.append("poll ").append(records.count()).append('\n');
            for (ConsumerRecord<byte[], byte[]> r : records) {
                sb.append("r ").append(r.partition()).append(' ').append(r.offset());
                field(sb, b64, r.key());
                field(sb, b64, r.value());
                for (Header h : r.headers()) {
                    field(sb, b64, h.key().getBytes(StandardCharsets.UTF_8));
                    field(sb, b64, h.value());
                }
                sb.append('\n');
            }
            sb.setLength(sb.length() - 1);
            out.flushLine(sb.toString());
            if (auto) {
                continue; // handed over: the client commits what it returned on its interval
            }
            String cmd = commands.take();
            while (!cmd.equals("commit") && !cmd.equals("skip")) {
                cmd = commands.take(); // a stop waits for this poll's commit
            }
            if (cmd.equals("commit")) {
                try {
                    consumer.commitSync();
                    out.flushLine("committed");
                } catch (KafkaException e) {
                    out.flushLine("commit-failed " + describe(e));
                }
            }
        }
        consumer.close();
        out.flushLine("closed");
    }

    private static void owned(Out out, KafkaConsumer<byte[], byte[]> consumer, String kind, Collection<TopicPartition> parts) {
        List<String> ps = new ArrayList<>();
        for (TopicPartition tp : parts) {
            ps.add(Integer.toString(tp.partition()));
        }
        if (ps.isEmpty()) {
            return;
        }
        out.flushLine(kind + " " + consumer.groupMetadata().generationId() + " " + String.join(",", ps));
    }

    private static void field(StringBuilder sb, Base64.Encoder b64, byte[] b) {
        sb.append(' ');
        if (b == null) {
            sb.append('-');
        } else {
            sb.append('~').append(b64.encodeToString(b));
        }
    }

    private static String describe(Throwable e) {
        return e.getClass().getSimpleName() + ": " + oneLine(String.valueOf(e.getMessage()));
    }

    private static String oneLine(String s) {
        return s.replace('\n', ' ').replace('\r', ' ');
    }

    // Out writes protocol lines from any thread; a flusher pushes acks out
    // every millisecond, so a send's outcome reaches chaosrun promptly
    // without a system call per record.
    static final class Out {
        private final BufferedWriter w;
        private boolean dirty;

        Out(FileOutputStream os) {
            w = new BufferedWriter(new OutputStreamWriter(os, StandardCharsets.UTF_8), 1 << 16);
            Thread t = new Thread(() -> {
                while (true) {
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        return;
                    }
                    flush();
                }
            }, "chaosrun-out");
            t.setDaemon(true);
            t.start();
        }

        synchronized void line(String s) {
            try {
                w.write(s);
                w.write('\n');
                dirty = true;
            } catch (IOException e) {
                System.exit(1); // chaosrun is gone
            }
        }

        synchronized void flushLine(String s) {
            line(s);
            flush();
        }

        synchronized void flush() {
            if (!dirty) {
                return;
            }
            try {
                w.flush();
                dirty = false;
            } catch (IOException e) {
                System.exit(1);
            }
        }

        synchronized void close() {
            flush();
        }
    }
}
