package io.tracebridge.explorer;

import static org.assertj.core.api.Assertions.assertThat;

import org.openqa.selenium.By;
import org.openqa.selenium.ElementClickInterceptedException;
import org.openqa.selenium.ElementNotInteractableException;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Debian's headless Chromium driven through Debian's chromedriver with Selenium, both given by
 * path so that Selenium Manager never runs (nothing is downloaded), with the helpers the
 * explorer's browser test needs: elements by {@code data-testid}, explicit waits, the page's
 * console errors and the URLs it requested, and full-page screenshots.
 */
final class Browser implements AutoCloseable {
    static final String CHROMIUM = "/usr/bin/chromium";
    static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    /** How long each wait of a step may take. */
    static final Duration TIMEOUT = Duration.ofSeconds(15);
    private static final int WIDTH = 1440;
    private static final int HEIGHT = 900;
    /** Chromium logs every 4xx answer to the console; the steps that expect one check its effect instead. */
    private static final Pattern EXPECTED_HTTP_ERROR =
            Pattern.compile("Failed to load resource: the server responded with a status of 4\\d\\d");

    /**
     * Without Selenium's DevTools jars (not needed here) ChromeDriver warns at each start that it
     * has no CDP implementation for this Chromium; chromedriver's own CDP endpoint, used for the
     * viewport and the screenshots, works regardless. Held here: JUL keeps loggers weakly.
     */
    private static final Logger CDP_VERSION_FINDER = Logger.getLogger("org.openqa.selenium.devtools.CdpVersionFinder");

    static {
        CDP_VERSION_FINDER.setLevel(Level.SEVERE);
    }

    final ChromeDriver driver;
    private final Path profile;
    private final List<String> consoleErrors = new ArrayList<>();
    private final Set<String> requested = new LinkedHashSet<>();

    private Browser(ChromeDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    /** Starts the browser (a fresh profile in a temporary folder); chromedriver logs to {@code driverLog}. */
    static Browser start(Path driverLog) throws IOException {
        assertThat(new File(CHROMIUM)).as("Debian's chromium (scripts/ensure-chromium.sh installs it)").canRead();
        assertThat(new File(CHROMEDRIVER)).as("Debian's chromium-driver (scripts/ensure-chromium.sh installs it)").canRead();
        Path profile = Files.createTempDirectory("tb-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=" + WIDTH + "," + HEIGHT, "--user-data-dir=" + profile);
        options.setCapability("goog:loggingPrefs", Map.of("browser", "ALL"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().withLogFile(driverLog.toFile()).build();
        ChromeDriver driver;
        try (SeleniumManagerWatch watch = new SeleniumManagerWatch()) {
            driver = new ChromeDriver(service, options);
            watch.assertNotRun();
        }
        // The window is 1440x900; its page area a little less. Emulate the old tests' 1440x900
        // viewport at scale 1 (through chromedriver's CDP endpoint: no Selenium DevTools jar).
        driver.executeCdpCommand("Emulation.setDeviceMetricsOverride",
                Map.of("width", WIDTH, "height", HEIGHT, "deviceScaleFactor", 1, "mobile", false));
        return new Browser(driver, profile);
    }

    // ---- Navigation -------------------------------------------------------------------------

    /** Loads {@code url}; what the page before requested is kept for {@link #otherOrigins}. */
    void get(String url) {
        collectRequests();
        driver.get(url);
        afterLoad();
    }

    void reload() {
        collectRequests();
        driver.navigate().refresh();
        afterLoad();
    }

    String url() {
        return driver.getCurrentUrl();
    }

    private void afterLoad() {
        // Resource timing keeps 250 entries by default; the explorer makes one per API call.
        js("performance.setResourceTimingBufferSize(1000000)");
    }

    // ---- Elements ---------------------------------------------------------------------------

    /** Elements whose {@code data-testid} is {@code id}. */
    static By test(String id) {
        return By.cssSelector("[data-testid=\"" + id + "\"]");
    }

    /** The elements with {@code data-testid} {@code testid} whose text contains {@code text}. */
    static By withText(String testid, String text) {
        return By.xpath("//*[@data-testid=" + xpathLiteral(testid) + "][contains(., " + xpathLiteral(text) + ")]");
    }

    /** The elements with {@code data-testid} {@code inner} inside those {@code withText(testid, text)} selects. */
    static By withText(String testid, String text, String inner) {
        return By.xpath("//*[@data-testid=" + xpathLiteral(testid) + "][contains(., " + xpathLiteral(text) + ")]"
                + "//*[@data-testid=" + xpathLiteral(inner) + "]");
    }

    private static String xpathLiteral(String s) {
        assertThat(s).as("an XPath literal").doesNotContain("'");
        return "'" + s + "'";
    }

    WebElement find(By by) {
        return driver.findElement(by);
    }

    List<WebElement> findAll(By by) {
        return driver.findElements(by);
    }

    int count(By by) {
        return driver.findElements(by).size();
    }

    /** The element's {@code innerText}, as the old tests read it (Selenium's getText normalizes differently). */
    String text(WebElement e) {
        return (String) driver.executeScript("return arguments[0].innerText", e);
    }

    String text(By by) {
        return text(find(by));
    }

    /** The trimmed {@code innerText} of every match, in document order. */
    @SuppressWarnings("unchecked")
    List<String> texts(By by) {
        List<WebElement> all = findAll(by);
        return ((List<Object>) driver.executeScript("return arguments[0].map((e) => e.innerText.trim())", all))
                .stream().map(String::valueOf).toList();
    }

    String value(By by) {
        return find(by).getDomProperty("value");
    }

    String attribute(WebElement e, String name) {
        return e.getDomAttribute(name);
    }

    /** Waits until the element is there and can take a click, then clicks it. */
    void click(By by) {
        until("click " + by, d -> {
            d.findElement(by).click();
            return true;
        });
    }

    /** Clears the field and types {@code text} into it. */
    void fill(By by, String text) {
        until("fill " + by, d -> {
            WebElement e = d.findElement(by);
            e.clear();
            e.sendKeys(text);
            return text.equals(e.getDomProperty("value"));
        });
    }

    Object js(String script, Object... args) {
        return driver.executeScript(script, args);
    }

    Object jsAsync(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeAsyncScript(script, args);
    }

    // ---- Waits ------------------------------------------------------------------------------

    /** Waits up to {@link #TIMEOUT} for {@code condition} to give a value other than null or false. */
    <T> T until(String what, Function<WebDriver, T> condition) {
        return new WebDriverWait(driver, TIMEOUT).withMessage("waiting for " + what)
                .ignoring(NoSuchElementException.class).ignoring(StaleElementReferenceException.class)
                .ignoring(ElementClickInterceptedException.class).ignoring(ElementNotInteractableException.class)
                .until(condition);
    }

    WebElement visible(By by) {
        return until(by + " to be visible", d -> {
            WebElement e = d.findElement(by);
            return e.isDisplayed() ? e : null;
        });
    }

    /** Waits for the element to be in the page, visible or not. */
    WebElement present(By by) {
        return until(by + " to be in the page", d -> d.findElement(by));
    }

    void hidden(By by) {
        until(by + " to be hidden", d -> d.findElements(by).stream().noneMatch(WebElement::isDisplayed));
    }

    /** Waits until the page's visible text contains {@code text}. */
    void visibleText(String text) {
        until("the text '" + text + "'", d -> String.valueOf(js("return document.body.innerText")).contains(text));
    }

    // ---- Screenshots ------------------------------------------------------------------------

    /** A PNG screenshot of the whole page, beyond the viewport when it is longer. */
    @SuppressWarnings("unchecked")
    void screenshot(Path file) throws IOException {
        Map<String, Object> metrics = driver.executeCdpCommand("Page.getLayoutMetrics", Map.of());
        Map<String, Object> size = (Map<String, Object>) metrics.get("cssContentSize");
        double width = Math.max(WIDTH, ((Number) size.get("width")).doubleValue());
        double height = Math.max(HEIGHT, ((Number) size.get("height")).doubleValue());
        Map<String, Object> shot = driver.executeCdpCommand("Page.captureScreenshot", Map.of("format", "png",
                "captureBeyondViewport", true,
                "clip", Map.of("x", 0, "y", 0, "width", width, "height", height, "scale", 1)));
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, Base64.getDecoder().decode((String) shot.get("data")));
    }

    // ---- What the page did ------------------------------------------------------------------

    /** Console errors and uncaught exceptions so far, but Chromium's lines for expected 4xx answers. */
    List<String> consoleErrors() {
        for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
            if (e.getLevel().intValue() >= Level.SEVERE.intValue() && !EXPECTED_HTTP_ERROR.matcher(e.getMessage()).find()) {
                consoleErrors.add("console: " + e.getMessage());
            }
        }
        return List.copyOf(consoleErrors);
    }

    /** The URLs the pages requested (resource timing: scripts, styles, images, fetches) that are not on {@code base}'s origin. */
    List<String> otherOrigins(String base) {
        collectRequests();
        URI origin = URI.create(base);
        return requested.stream().filter(u -> !u.startsWith("data:") && !u.startsWith("blob:")).filter(u -> {
            URI x = URI.create(u);
            return !(origin.getScheme().equals(x.getScheme()) && origin.getHost().equals(x.getHost())
                    && origin.getPort() == x.getPort());
        }).map(u -> "request to another origin: " + u).toList();
    }

    /** Every URL the pages requested so far. */
    List<String> requested() {
        collectRequests();
        return List.copyOf(requested);
    }

    @SuppressWarnings("unchecked")
    private void collectRequests() {
        try {
            Object names = driver.executeScript("return performance.getEntriesByType('resource').map((e) => e.name)");
            if (names instanceof List<?> l) {
                l.forEach(n -> requested.add(String.valueOf(n)));
            }
        } catch (RuntimeException noPage) {
            // no document yet
        }
    }

    @Override
    public void close() throws IOException {
        try {
            driver.quit();
        } finally {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * Checks that starting the driver did not run Selenium Manager: Selenium's DriverFinder logs
     * (at FINE) that it skips Selenium Manager for a driver given in the service, and Selenium
     * Manager logs (at FINE) the binary it would run.
     */
    private static final class SeleniumManagerWatch extends Handler implements AutoCloseable {
        private final List<Logger> loggers = List.of(Logger.getLogger("org.openqa.selenium.remote.service.DriverFinder"),
                Logger.getLogger("org.openqa.selenium.manager"));
        private final List<Level> levels = new ArrayList<>();
        private final List<Boolean> parents = new ArrayList<>();
        private final List<LogRecord> records = Collections.synchronizedList(new ArrayList<>());

        SeleniumManagerWatch() {
            setLevel(Level.ALL);
            for (Logger l : loggers) {
                levels.add(l.getLevel());
                parents.add(l.getUseParentHandlers());
                l.setLevel(Level.FINE);
                l.setUseParentHandlers(false); // checked here, not printed
                l.addHandler(this);
            }
        }

        void assertNotRun() {
            List<String> lines = records.stream().map(r -> r.getLoggerName() + ": " + r.getMessage()).toList();
            assertThat(lines).as("Selenium's driver lookup").anyMatch(l -> l.contains("Skipping Selenium Manager"));
            assertThat(lines).as("Selenium Manager is never used").noneMatch(l -> l.startsWith("org.openqa.selenium.manager"));
        }

        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            for (int i = 0; i < loggers.size(); i++) {
                loggers.get(i).removeHandler(this);
                loggers.get(i).setLevel(levels.get(i));
                loggers.get(i).setUseParentHandlers(parents.get(i));
            }
        }
    }
}
