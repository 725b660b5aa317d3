package dev.drover.coordinator.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.drover.protocol.Json;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The operator web UI in Debian's Chromium, against a real coordinator with simulated agents: every
 * view opens and draws, a job submitted through the API appears and changes state live (no reload), it
 * is cancelled from the UI, a node is cordoned from the UI, a user token sees no operator actions, the
 * stream resyncs after a coordinator restart. Screenshots of each view land in
 * {@code target/screenshots/} and must not be blank; with {@code -Ddrover.docs.images=DIR} the Cluster
 * and Job detail screenshots are also copied there (the README's images).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebUiTest {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final String ADMIN = "admin-token-0123456789abcdef";
  private static final String ALICE = "alice-token-0123456789abcdef";
  private static final Path SHOTS = Path.of("target", "screenshots");

  @TempDir static Path tmp;
  private static DroverCluster cluster;
  private static ChromeDriver driver;
  private static WebDriverWait wait;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "WebUiTest skipped: needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver); "
            + "apt-get install chromium chromium-driver");
    cluster = new DroverCluster(tmp.resolve("cluster"), Duration.ofSeconds(10))
        .withCoordinatorSetting("drover.agents.telemetry-interval", "1s");
    Files.createDirectories(cluster.dataDir());
    Files.writeString(cluster.dataDir().resolve("tokens.json"), """
        {"tokens":[
          {"name":"admin","role":"admin","token":"%s"},
          {"name":"alice","role":"user","token":"%s"}]}
        """.formatted(ADMIN, ALICE));
    cluster.startCoordinator();
    cluster.startAgent("n1", 4);
    cluster.startAgent("n2", 4);
    cluster.awaitNodesReady("n1", "n2");
    Files.createDirectories(SHOTS);

    Path home = Files.createDirectories(tmp.resolve("chrome-home"));
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
        "--window-size=1280,800", "--user-data-dir=" + Files.createDirectories(tmp.resolve("chrome-profile")));
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort()
        .withEnvironment(Map.of("HOME", home.toString()))
        .withLogFile(tmp.resolve("chromedriver.log").toFile())
        .build();
    driver = new ChromeDriver(service, options);
    // the viewport itself is 1280x800 (a headless window's size includes no browser chrome, but be exact)
    driver.executeCdpCommand("Emulation.setDeviceMetricsOverride",
        Map.of("width", 1280, "height", 800, "deviceScaleFactor", 1, "mobile", false));
    wait = new WebDriverWait(driver, Duration.ofSeconds(30));
  }

  @AfterAll
  static void stop() throws Exception {
    if (driver != null) driver.quit();
    if (cluster != null) cluster.close();
  }

  /** Fails on any error the page logged (a CSP violation, a module that did not load, an exception). */
  @AfterEach
  void noBrowserErrors() {
    if (driver == null) return;
    List<String> errors = new ArrayList<>();
    for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
      // a refused sign-in or a 404 page the test asks for on purpose is logged as a failed load
      if (e.getLevel().intValue() >= Level.SEVERE.intValue() && !e.getMessage().contains("Failed to load resource")) {
        errors.add(e.getMessage());
      }
    }
    assertEquals(List.of(), errors, "errors in the browser console");
  }

  // ---------------------------------------------------------------- helpers

  private static Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  private static void signIn(String token) {
    driver.get(cluster.url() + "/");
    WebElement input = wait.until(ExpectedConditions.elementToBeClickable(By.id("token")));
    input.sendKeys(token);
    input.sendKeys(Keys.ENTER);
    wait.until(ExpectedConditions.textToBe(By.id("connection"), "Live"));
  }

  private static void signOut() {
    driver.findElement(By.id("signout")).click();
    wait.until(ExpectedConditions.presenceOfElementLocated(By.id("token")));
    assertEquals(null, js("return sessionStorage.getItem('drover.token')"), "sign-out forgets the token");
  }

  private static void go(String hash) {
    js("location.hash = arguments[0]", hash);
  }

  private static WebElement waitFor(String css) {
    return wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(css)));
  }

  private static void waitText(String css, String text) {
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(css), text));
  }

  /** Saves the viewport as target/screenshots/NAME.png and checks it is not blank (pixel variance, colours). */
  private static Path screenshot(String name) throws Exception {
    byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
    Path file = SHOTS.resolve(name + ".png");
    Files.write(file, png);
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
    double sum = 0;
    double sq = 0;
    int n = 0;
    java.util.Set<Integer> colours = new java.util.HashSet<>();
    for (int y = 0; y < img.getHeight(); y += 2) {
      for (int x = 0; x < img.getWidth(); x += 2) {
        int rgb = img.getRGB(x, y) & 0xffffff;
        colours.add(rgb);
        double l = 0.299 * (rgb >> 16) + 0.587 * ((rgb >> 8) & 0xff) + 0.114 * (rgb & 0xff);
        sum += l;
        sq += l * l;
        n++;
      }
    }
    double variance = sq / n - (sum / n) * (sum / n);
    assertTrue(variance > 100 && colours.size() > 50,
        name + ".png looks blank: luminance variance " + Math.round(variance) + ", " + colours.size() + " colours");
    String docs = System.getProperty("drover.docs.images");
    if (docs != null && (name.equals("cluster-busy") || name.equals("job-detail"))) {
      Files.createDirectories(Path.of(docs));
      Files.copy(file, Path.of(docs, "web-ui-" + name.replace("-busy", "") + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
    return file;
  }

  private static String job(String name, String command) {
    return "name: " + name + "\nresources: {gpus: 2}\ncommand: [\"/bin/sh\", \"-c\", \"" + command + "\"]\n"
        + "env: {TEST_MARKER: \"" + cluster.marker + "\"}\nterminationGracePeriod: 2s\n";
  }

  private static String submitAs(String token, String yaml) throws Exception {
    DroverCluster.Response r = cluster.request("POST", "/api/v1/jobs", "application/yaml", yaml.getBytes(StandardCharsets.UTF_8),
        Map.of("Authorization", "Bearer " + token));
    assertEquals(201, r.status(), r.text());
    return r.body().get("id").asText();
  }

  private static String state(String id) throws Exception {
    return cluster.get("/api/v1/jobs/" + id).body().get("state").asText();
  }

  // ---------------------------------------------------------------- tests

  @Test
  @Order(1)
  void aWrongTokenIsRefusedWithTheServersMessage() {
    driver.get(cluster.url() + "/");
    WebElement input = wait.until(ExpectedConditions.elementToBeClickable(By.id("token")));
    input.sendKeys("not-a-token-at-all-1234");
    driver.findElement(By.id("signin")).click();
    waitText("#signin-error", "invalid token");
  }

  @Test
  @Order(2)
  void everyViewOpensAndDrawsTheLiveCluster() throws Exception {
    signIn(ADMIN);
    assertEquals("admin (admin)", driver.findElement(By.id("me")).getText());

    // Cluster: totals, a heatmap with every GPU, charts.
    waitText(".totals", "2 / 2");
    wait.until(d -> ((Number) js("return window.droverHeatmap ? window.droverHeatmap.cells : 0")).intValue() == 8);
    assertEquals(2, driver.findElements(By.cssSelector(".chart .uplot")).size(), "two uPlot charts");
    // Keyboard: the heatmap takes focus and the arrow keys select GPUs; the details name them.
    WebElement canvas = driver.findElement(By.id("heatmap"));
    canvas.sendKeys(Keys.ARROW_RIGHT);
    waitText("#heatmap-details", "n1");
    assertTrue(driver.findElement(By.id("heatmap-details")).getText().contains("1"), "GPU 1 selected");
    // Hover shows the same details in a tooltip.
    new org.openqa.selenium.interactions.Actions(driver).moveToElement(canvas, -canvas.getSize().getWidth() / 2 + 5,
        -canvas.getSize().getHeight() / 2 + 5).perform();
    waitText(".tooltip", "Node");
    screenshot("cluster");

    go("#/nodes");
    waitFor("#nodes-table tr[data-node='n2']");
    screenshot("nodes");

    go("#/nodes/n1");
    wait.until(d -> d.findElements(By.cssSelector(".gpu-card")).size() == 4);
    assertFalse(driver.findElements(By.id("cordon-node")).isEmpty(), "an admin sees the node actions");
    screenshot("node-detail");

    go("#/queues");
    waitFor("#queues-table tr[data-queue='default']");
    screenshot("queues");

    go("#/jobs");
    waitFor("#jobs-table");
    screenshot("jobs");
  }

  @Test
  @Order(3)
  void aSubmittedJobAppearsAndChangesStateLiveAndIsCancelledFromTheUi() throws Exception {
    go("#/jobs");
    waitFor("#jobs-table");
    js("window.__sameDocument = 'yes'");

    // Submitted through the API: the list shows it and its state changes without a reload.
    String id = submitAs(ADMIN, job("live-ui", "echo hello-from-replica; sleep 600"));
    waitFor("#jobs-table tr[data-job='" + id + "']");
    waitText("#jobs-table tr[data-job='" + id + "'] .badge", "RUNNING");
    assertEquals("yes", js("return window.__sameDocument"), "the page was not reloaded");

    // Sort and filter: by state RUNNING the job stays, by SUCCEEDED it goes.
    new org.openqa.selenium.support.ui.Select(driver.findElement(By.id("filter-state"))).selectByValue("SUCCEEDED");
    wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#jobs-table tr[data-job='" + id + "']"), 0));
    new org.openqa.selenium.support.ui.Select(driver.findElement(By.id("filter-state"))).selectByValue("RUNNING");
    waitFor("#jobs-table tr[data-job='" + id + "']");

    // Job detail: replicas with node and GPU ids, the journal's timeline, the replica's log.
    driver.findElement(By.cssSelector("#jobs-table tr[data-job='" + id + "'] a")).click();
    waitText("#replicas", "n");
    JsonNode replica = cluster.job(id).get("replicaStatus").get(0);
    waitText("#replicas", replica.get("node").asText());
    wait.until(d -> d.findElements(By.cssSelector("#timeline li")).size() >= 2);
    waitText("#log", "hello-from-replica");
    screenshot("job-detail");

    // The Cluster view while it runs: its two GPUs allocated in the heatmap and the totals.
    go("#/cluster");
    waitText(".totals", "2 / 8");
    screenshot("cluster-busy");
    driver.navigate().back();
    waitFor("#cancel-job");

    // Cancel from the UI, with a confirmation step, reachable by keyboard.
    driver.findElement(By.id("cancel-job")).sendKeys(Keys.ENTER);
    driver.findElement(By.id("confirm-cancel")).sendKeys(Keys.SPACE);
    waitText(".title-row .badge", "CANCELLED");
    assertEquals("CANCELLED", state(id));
    assertTrue(driver.findElements(By.id("cancel-job")).isEmpty(), "no cancel button on a cancelled job");
    assertEquals("yes", js("return window.__sameDocument"), "the page was not reloaded");
  }

  @Test
  @Order(4)
  void anOperatorCordonsAndUncordonsANodeFromTheUi() throws Exception {
    go("#/nodes/n2");
    WebElement reason = waitFor("#node-reason");
    reason.sendKeys("ui test maintenance");
    driver.findElement(By.id("cordon-node")).click();
    waitText("#node-state", "Cordoned");
    JsonNode n2 = cluster.get("/api/v1/nodes/n2").body();
    assertTrue(n2.get("cordoned").asBoolean(), n2.toString());
    assertEquals("ui test maintenance", n2.get("cordonReason").asText());
    // the heatmap shows its GPUs as cordoned (grey) once the node's new picture arrives
    go("#/cluster");
    waitText(".totals", "GPUs cordoned");
    wait.until(d -> ((Number) js("return window.droverHeatmap ? window.droverHeatmap.cells : 0")).intValue() == 8);
    waitText(".totals", "4");

    go("#/nodes/n2");
    waitFor("#uncordon-node").click();
    waitText("#node-state", "Schedulable");
    assertFalse(cluster.get("/api/v1/nodes/n2").body().get("cordoned").asBoolean());
  }

  @Test
  @Order(5)
  void aUserTokenSeesOnlyItsJobsAndNoOperatorActions() throws Exception {
    String adminJob = submitAs(ADMIN, job("admins-job", "sleep 600"));
    signOut();
    signIn(ALICE);
    assertEquals("alice (user)", driver.findElement(By.id("me")).getText());
    String mine = submitAs(ALICE, job("alices-job", "sleep 600"));

    go("#/jobs");
    waitFor("#jobs-table tr[data-job='" + mine + "']");
    assertTrue(driver.findElements(By.cssSelector("#jobs-table tr[data-job='" + adminJob + "']")).isEmpty(),
        "a user does not see another user's job");

    go("#/nodes/n1");
    wait.until(d -> d.findElements(By.cssSelector(".gpu-card")).size() == 4);
    assertTrue(driver.findElements(By.cssSelector("#cordon-node, #uncordon-node, #drain-node, #node-reason")).isEmpty(),
        "a user sees no node actions");

    go("#/jobs/" + mine);
    waitFor("#cancel-job");
    go("#/jobs/" + adminJob);
    waitText(".view .error", "no job " + adminJob);
    assertTrue(driver.findElements(By.id("cancel-job")).isEmpty());
    screenshot("user-view");

    // A cluster sample reaches a user too; stop both jobs for the next test.
    cluster.request("DELETE", "/api/v1/jobs/" + mine, null, null, Map.of("Authorization", "Bearer " + ALICE));
    cluster.request("DELETE", "/api/v1/jobs/" + adminJob, null, null, Map.of("Authorization", "Bearer " + ADMIN));
    signOut();
  }

  @Test
  @Order(6)
  void theStreamReconnectsAndResyncsAfterACoordinatorRestart() throws Exception {
    signIn(ADMIN);
    go("#/jobs");
    waitFor("#jobs-table");
    js("window.__sameDocument = 'yes'");
    cluster.killCoordinator();
    waitText("#connection", "Reconnecting");
    cluster.startCoordinator();
    // a job submitted after the restart shows up through the new connection's snapshot or events
    String id = submitAs(ADMIN, "name: after-restart\ncommand: [\"true\"]\nenv: {TEST_MARKER: \"" + cluster.marker + "\"}\n");
    new WebDriverWait(driver, Duration.ofSeconds(90)).until(ExpectedConditions.textToBe(By.id("connection"), "Live"));
    waitText("#jobs-table tr[data-job='" + id + "'] .badge", "SUCCEEDED");
    assertEquals("yes", js("return window.__sameDocument"), "the page was not reloaded");
  }

  /**
   * Not a pass/fail timing: feeds 1,000 nodes x 8 GPUs through the page's own heatmap code and store,
   * and records how long redraws take in target/heatmap-benchmark.json (docs/benchmarks.md).
   */
  @Test
  @Order(7)
  void heatmapRedrawsOf1000NodesBy8GpusAreMeasured() throws Exception {
    go("#/cluster");
    wait.until(d -> js("return window.droverHeatmap ? 1 : 0").equals(1L));
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(120));
    Path script = java.util.stream.Stream.of(System.getProperty("drover.root", ".."), "..", ".")
        .map(root -> Path.of(root, "web-ui", "src", "test", "js", "heatmap-benchmark.js"))
        .filter(Files::exists).findFirst().orElseThrow();
    Object result = ((JavascriptExecutor) driver).executeAsyncScript(Files.readString(script));
    String json = Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(result);
    Files.writeString(Path.of("target", "heatmap-benchmark.json"), json + "\n");
    System.out.println("heatmap benchmark: " + json);
    JsonNode r = Json.mapper().valueToTree(result);
    assertEquals(8000, r.get("cells").asInt(), json);
    assertEquals(8000 + 8, r.get("liveCells").asInt(), "the live page's heatmap took the 8,000 synthetic GPUs besides the 8 real ones: " + json);
    screenshot("heatmap-1000x8");
  }
}
