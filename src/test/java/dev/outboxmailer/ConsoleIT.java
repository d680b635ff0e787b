package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.outboxmailer.support.ScriptedSmtpServer;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The console (SPEC §14) in a real browser — headless Debian Chromium driven by Selenium — against the packaged jar
 * in sandbox mode: what a person sees, downloads and clicks, and what a hostile mail cannot do.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleIT {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    /** target/console-screenshots; {@code -Dconsole.screenshots=docs/console} refreshes the README's pictures. */
    static final Path SCREENSHOTS = Path.of(System.getProperty("console.screenshots", "target/console-screenshots"))
            .toAbsolutePath();
    static final String NON_ASCII = "季度报告 — Zoë’s élève";
    static final String HOSTILE_SUBJECT = "<img src=x onerror=\"top.pwned=1\"><script>top.pwned=2</script> & \"quotes\"";
    static final String HOSTILE_FILE = "<img src=x onerror=top.pwned=3>.html";

    @TempDir
    static Path dir;
    static Path downloads;
    static Process app;
    static String console;
    static WebDriver browser;
    static HttpServer trap;
    static final List<String> trapped = new CopyOnWriteArrayList<>();
    static byte[] attachment;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER),
                "SKIPPED: the console's browser tests need Debian's chromium and chromium-driver "
                        + "(apt-get install chromium chromium-driver; .ci/run installs them)");
        trap = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        trap.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            byte[] body = new byte[0];
            if (path.equals("/evil.html")) {
                body = evilPage().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            } else {
                trapped.add(path);
            }
            exchange.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        trap.start();

        int port = ScriptedSmtpServer.freePort();
        console = "http://127.0.0.1:" + port;
        app = PackagedJarIT.start(dir, List.of("--camel.management.port=" + port, "--mail.from=Console Test <me@example.com>",
                "--outbox.settle-time=100", "--outbox.poll-delay=200"), Map.of(), "app.log");
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.readString(dir.resolve("app.log")).contains("CONSOLE: open"));
        assertThat(Files.readString(dir.resolve("app.log"))).contains("CONSOLE: open " + console + "/");

        downloads = Files.createDirectories(dir.resolve("downloads"));
        System.setProperty("webdriver.chrome.driver", DRIVER.toString());
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toString());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,900", "--lang=en-US");
        Map<String, Object> prefs = new HashMap<>();
        prefs.put("download.default_directory", downloads.toString());
        prefs.put("download.prompt_for_download", false);
        prefs.put("safebrowsing.enabled", false);
        options.setExperimentalOption("prefs", prefs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                .withLogFile(dir.resolve("chromedriver.log").toFile()).build();
        browser = new ChromeDriver(service, options);
        browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        browser.manage().window().setSize(new Dimension(1280, 900));
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (app != null) {
            PackagedJarIT.stop(app);
        }
        if (trap != null) {
            trap.stop(0);
        }
    }

    @Test
    @Order(1)
    void aDroppedDraftAppearsAndOpensRenderedWithItsAttachmentByteIdentical() throws Exception {
        attachment = new byte[70_000];
        new Random(16).nextBytes(attachment);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        BufferedImage image = new BufferedImage(24, 24, BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < 24; x++) {
            for (int y = 0; y < 24; y++) {
                image.setRGB(x, y, 0x2f5bd3);
            }
        }
        ImageIO.write(image, "png", png);
        drop("report.json", "{\"to\": \"Zoë Example <zoe@example.org>\", \"subject\": \"" + NON_ASCII + "\","
                + "\"text\": \"The quarterly report is attached.\","
                + "\"html\": \"<h2 id=\\\"greeting\\\">Hello Zoë</h2><p>The quarterly report is attached.</p>"
                + "<img id=\\\"logo\\\" alt=\\\"logo\\\" src=\\\"cid:logo\\\">\","
                + "\"attachments\": [{\"content\": \"" + Base64.getEncoder().encodeToString(attachment)
                + "\", \"name\": \"报告 2026.bin\"},"
                + "{\"content\": \"" + Base64.getEncoder().encodeToString(png.toByteArray())
                + "\", \"name\": \"logo.png\", \"contentType\": \"image/png\", \"inline\": true, \"cid\": \"logo\"}]}");
        long number = captured(NON_ASCII);

        browser.get(console + "/sandbox");
        WebElement link = browser.findElement(By.linkText(NON_ASCII));
        screenshot("sandbox");
        link.click();
        assertThat(browser.getCurrentUrl()).isEqualTo(console + "/sandbox/" + number);
        assertThat(browser.findElement(By.id("subject")).getText()).isEqualTo(NON_ASCII);
        assertThat(browser.findElement(By.id("to")).getText()).isEqualTo("Zoë Example <zoe@example.org>");
        assertThat(browser.findElement(By.id("text-body")).getText()).contains("The quarterly report is attached.");
        assertThat(browser.findElement(By.id("html-body")).getDomAttribute("sandbox")).isEmpty();
        screenshot("message");

        browser.switchTo().frame("html-body");
        assertThat(browser.findElement(By.id("greeting")).getText()).isEqualTo("Hello Zoë");
        assertThat(browser.findElement(By.id("logo")).getDomAttribute("src")).startsWith("data:image/png;base64,");
        assertThat(browser.findElement(By.id("logo")).getSize().getWidth()).isEqualTo(24); // the cid: part shows
        browser.switchTo().defaultContent();

        browser.findElement(By.partialLinkText("报告 2026.bin")).click();
        Path downloaded = downloads.resolve("报告 2026.bin");
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(downloaded) && !crdownloads());
        assertThat(Files.readAllBytes(downloaded)).isEqualTo(attachment);
    }

    @Test
    @Order(2)
    void aHostileMailRunsNoScriptAndLoadsNothingRemoteUntilAsked() throws Exception {
        String far = "http://127.0.0.1:" + trap.getAddress().getPort();
        String html = "<html><head><meta http-equiv=\"refresh\" content=\"0;url=" + far + "/refresh\">"
                + "<link rel=\"stylesheet\" href=\"" + far + "/style.css\"><script src=\"" + far + "/script.js\"></script>"
                + "<base href=\"" + far + "/base/\"></head>"
                + "<body onload=\"top.pwned='onload'\"><h2 id=\"hostile\">Look at me</h2>"
                + "<script>top.pwned='script'; parent.pwned='script'; alert('script')</script>"
                + "<img src=\"x\" onerror=\"top.pwned='onerror'; alert('onerror')\">"
                + "<img id=\"remote\" src=\"" + far + "/pixel.png\">"
                + "<div style=\"background:url(" + far + "/background.png)\">bg</div>"
                + "<iframe src=\"" + far + "/frame.html\"></iframe>"
                + "<a id=\"js\" href=\"javascript:top.pwned='link';alert('link')\">click me</a>"
                + "<svg><script>top.pwned='svg'</script></svg>"
                + "<form action=\"" + far + "/form\"><button id=\"submit\">go</button></form></body></html>";
        drop("hostile.eml", "From: \"<b onmouseover=top.pwned=4>Mallory</b>\" <mallory@example.net>\r\n"
                + "To: victim@example.org\r\nSubject: " + HOSTILE_SUBJECT + "\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
                + "--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html + "\r\n"
                + "--b\r\nContent-Type: text/html; name=\"" + HOSTILE_FILE + "\"\r\n"
                + "Content-Disposition: attachment; filename=\"" + HOSTILE_FILE + "\"\r\n\r\n"
                + "<script>top.pwned='attachment'</script>\r\n--b--\r\n");
        long number = captured("Look at me");

        browser.get(console + "/sandbox");
        assertNoScriptRan();
        assertThat(browser.findElement(By.cssSelector("a[href='/sandbox/" + number + "'].subject")).getText())
                .isEqualTo(HOSTILE_SUBJECT);

        browser.get(console + "/sandbox/" + number);
        assertThat(browser.findElement(By.id("subject")).getText()).isEqualTo(HOSTILE_SUBJECT);
        assertThat(browser.findElement(By.id("from")).getText()).contains("<b onmouseover=top.pwned=4>Mallory</b>");
        assertThat(browser.findElement(By.partialLinkText("onerror=top.pwned=3")).getText()).isEqualTo(HOSTILE_FILE);
        browser.switchTo().frame("html-body");
        assertThat(browser.findElement(By.id("hostile")).getText()).isEqualTo("Look at me");
        browser.findElement(By.id("js")).click();
        browser.switchTo().defaultContent();
        Thread.sleep(1500); // time for anything that would load or run to do it
        assertNoScriptRan();
        assertThat(browser.getCurrentUrl()).isEqualTo(console + "/sandbox/" + number);
        assertThat(trapped).as("requests the hostile mail made to the trap server").isEmpty();

        // the attachment downloads: it never renders on the console's origin
        browser.findElement(By.partialLinkText("onerror=top.pwned=3")).click();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            try (Stream<Path> files = Files.list(downloads)) {
                return files.anyMatch(f -> f.getFileName().toString().endsWith(".html")) && !crdownloads();
            }
        });
        assertNoScriptRan();
        assertThat(browser.getCurrentUrl()).isEqualTo(console + "/sandbox/" + number);

        // remote images (and styles) only when asked for, still without script or frames
        browser.findElement(By.id("load-remote")).click();
        await().atMost(Duration.ofSeconds(15)).until(() -> trapped.contains("/pixel.png"));
        Thread.sleep(1000);
        assertNoScriptRan();
        assertThat(trapped).doesNotContain("/script.js", "/refresh", "/frame.html", "/form");
    }

    @Test
    @Order(3)
    void sendAgainMovesTheFixedFailedDraftBackAndItIsSent() throws Exception {
        drop("needs-fixing.json", "{\"to\": \"bob@example.org\", \"subject\": \"Fixed and sent\", \"text\": \"x\","
                + "\"attachments\": [{\"path\": \"files/missing.pdf\"}]}");
        Path failed = dir.resolve("outbox/.failed/needs-fixing.json");
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(failed.resolveSibling("needs-fixing.json.error.json")));

        browser.get(console + "/");
        WebElement row = browser.findElement(By.xpath("//section[@id='failed']//tr[td[1][text()='needs-fixing.json']]"));
        assertThat(row.getText()).contains("invalid-draft").contains("missing.pdf");
        screenshot("outbox");

        Files.writeString(failed, "{\"to\": \"bob@example.org\", \"subject\": \"Fixed and sent\", \"text\": \"fixed in .failed/\"}");
        row.findElement(By.tagName("button")).click();
        assertThat(browser.findElement(By.id("result")).getText()).contains("needs-fixing.json is back in the outbox");

        Path receipt = dir.resolve("outbox/.sent").resolve(LocalDate.now().toString()).resolve("needs-fixing.json.receipt.json");
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(receipt));
        assertThat(failed).doesNotExist();
        assertThat(failed.resolveSibling("needs-fixing.json.error.json")).doesNotExist();
        try (Stream<Path> history = Files.list(dir.resolve("outbox/.failed/.history"))) {
            assertThat(history.map(p -> p.getFileName().toString()))
                    .anyMatch(n -> n.startsWith("needs-fixing.json.") && n.endsWith(".error.json"));
        }
        captured("fixed in .failed/");

        browser.get(console + "/sent?q=bob%40example.org");
        assertThat(browser.findElement(By.id("sent-list")).getText()).contains("needs-fixing.json").contains("Fixed and sent");
        browser.get(console + "/sent");
        screenshot("sent");
    }

    @Test
    @Order(4)
    void aCrossOriginPostIsRefusedAndMovesNothing() throws Exception {
        drop("stays.json", "{\"to\": \"bob@example.org\", \"subject\": \"x\", \"text\": \"x\","
                + "\"attachments\": [{\"path\": \"files/missing.pdf\"}]}");
        Path failed = dir.resolve("outbox/.failed/stays.json");
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(failed.resolveSibling("stays.json.error.json")));

        // a page of another origin in the same browser submits the form at the console
        browser.get("http://127.0.0.1:" + trap.getAddress().getPort() + "/evil.html");
        await().atMost(Duration.ofSeconds(15)).until(() -> browser.getPageSource().contains("Refused"));
        assertThat(browser.findElement(By.tagName("p")).getText()).containsAnyOf("cannot act here",
                "accepted only from the console's own pages");

        // and without a browser: the right form key, the wrong Origin
        browser.get(console + "/");
        String key = browser.findElement(By.cssSelector("#failed input[name=key]")).getDomAttribute("value");
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(console + "/actions/send-again"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Origin", "http://attacker.example")
                .POST(HttpRequest.BodyPublishers.ofString("name=stays.json&key=" + key)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(403);
        HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create(console + "/actions/send-again?name=stays.json"))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(get.statusCode()).isEqualTo(405);
        Thread.sleep(1000);
        assertThat(failed).exists();
        assertThat(dir.resolve("outbox/stays.json")).doesNotExist();
    }

    @Test
    @Order(5)
    void theCountsInTheHeaderFollowWithoutAReload() throws Exception {
        browser.get(console + "/");
        WebElement inSandbox = browser.findElement(By.cssSelector("#live [data-count=sandbox]"));
        int before = Integer.parseInt(inSandbox.getText());
        ((JavascriptExecutor) browser).executeScript("window.sameLoad = 'yes'");
        drop("live.txt", "To: bob@example.org\nSubject: Live\n\ncounted\n");
        await().atMost(Duration.ofSeconds(20)).until(() -> inSandbox.getText().equals(String.valueOf(before + 1)));
        assertThat(((JavascriptExecutor) browser).executeScript("return window.sameLoad")).isEqualTo("yes");
    }

    private static String evilPage() {
        return "<!doctype html><html><body><form id=\"f\" method=\"post\" action=\"" + console + "/actions/send-again\">"
                + "<input name=\"name\" value=\"stays.json\"><input name=\"key\" value=\"guessed\"></form>"
                + "<script>document.getElementById('f').submit()</script></body></html>";
    }

    private static void assertNoScriptRan() {
        try {
            String text = browser.switchTo().alert().getText();
            throw new AssertionError("a script in the mail opened an alert: " + text);
        } catch (NoAlertPresentException expected) {
            // no alert
        }
        Object flag = ((JavascriptExecutor) browser).executeScript("return window.pwned === undefined ? null : String(window.pwned)");
        assertThat(flag).as("window.pwned, set by any script in the mail").isNull();
    }

    private static void drop(String name, String content) throws Exception {
        Path outbox = dir.resolve("outbox");
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.isDirectory(outbox));
        Files.writeString(outbox.resolve(name + ".tmp"), content, StandardCharsets.UTF_8);
        Files.move(outbox.resolve(name + ".tmp"), outbox.resolve(name));
    }

    /** Waits for the sandbox message whose source contains {@code marker} (raw or RFC 2047); returns its number. */
    private static long captured(String marker) {
        Path sandbox = dir.resolve("sandbox");
        long[] found = {-1};
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            if (!Files.isDirectory(sandbox)) {
                return false;
            }
            try (Stream<Path> files = Files.list(sandbox)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    String n = f.getFileName().toString();
                    if (n.matches("\\d+\\.eml")) {
                        String text = Files.readString(f, StandardCharsets.ISO_8859_1);
                        String utf8 = new String(text.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
                        if (utf8.contains(marker) || subject(f).equals(marker)) {
                            found[0] = Long.parseLong(n.substring(0, n.length() - 4));
                            return true;
                        }
                    }
                }
            }
            return false;
        });
        return found[0];
    }

    private static String subject(Path eml) throws Exception {
        try (var in = Files.newInputStream(eml)) {
            String subject = new jakarta.mail.internet.InternetHeaders(in).getHeader("Subject", null);
            return subject == null ? "" : jakarta.mail.internet.MimeUtility.decodeText(
                    jakarta.mail.internet.MimeUtility.unfold(subject));
        }
    }

    private static boolean crdownloads() throws Exception {
        try (Stream<Path> files = Files.list(downloads)) {
            return files.anyMatch(f -> f.getFileName().toString().endsWith(".crdownload"));
        }
    }

    private static void screenshot(String name) throws Exception {
        byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
        Files.write(SCREENSHOTS.resolve(name + ".png"), png);
    }
}
