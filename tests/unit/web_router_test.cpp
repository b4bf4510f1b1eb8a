// web::Router and the request helpers, without sockets.
#include "web/router.h"

#include <gtest/gtest.h>

#include "web/mime.h"

namespace {

web::Request make(std::string method, std::string path) {
  web::Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  return r;
}

web::Response ok_with(std::string body) {
  return web::Response::json(200, std::move(body));
}

TEST(WebRouter, MatchesMethodAndLiteralPath) {
  web::Router router;
  router.add("GET", "/a/b", [](const web::Request&) { return ok_with("get"); });
  router.add("POST", "/a/b", [](const web::Request&) { return ok_with("post"); });
  auto get = make("GET", "/a/b");
  EXPECT_EQ(router.dispatch(get).body, "get");
  auto post = make("POST", "/a/b");
  EXPECT_EQ(router.dispatch(post).body, "post");
  auto head = make("HEAD", "/a/b");
  EXPECT_EQ(router.dispatch(head).body, "get");
}

TEST(WebRouter, ParamSegmentsFillParams) {
  web::Router router;
  router.add("GET", "/s/{id}/snap/{name}", [](const web::Request& r) {
    return ok_with(std::string(r.param("id")) + "," + std::string(r.param("name")));
  });
  auto r = make("GET", "/s/17/snap/gold");
  EXPECT_EQ(router.dispatch(r).body, "17,gold");
  auto empty = make("GET", "/s//snap/gold");
  EXPECT_EQ(router.dispatch(empty).status, 404);
  auto longer = make("GET", "/s/17/snap/gold/x");
  EXPECT_EQ(router.dispatch(longer).status, 404);
}

TEST(WebRouter, UnknownPathIs404Json) {
  web::Router router;
  auto r = make("GET", "/nothing");
  web::Response res = router.dispatch(r);
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.content_type, "application/json");
  EXPECT_EQ(res.body, R"({"error":"no such resource: /nothing"})");
}

TEST(WebRouter, KnownPathWrongMethodIs405WithSortedAllow) {
  web::Router router;
  router.add("POST", "/x", [](const web::Request&) { return ok_with(""); });
  router.add("GET", "/x", [](const web::Request&) { return ok_with(""); });
  auto r = make("DELETE", "/x");
  web::Response res = router.dispatch(r);
  EXPECT_EQ(res.status, 405);
  ASSERT_EQ(res.headers.size(), 1u);
  EXPECT_EQ(res.headers[0].first, "Allow");
  EXPECT_EQ(res.headers[0].second, "GET, HEAD, POST");
}

TEST(WebRouter, FallbackTakesUnmatchedPaths) {
  web::Router router;
  router.add("GET", "/api", [](const web::Request&) { return ok_with("api"); });
  router.set_fallback([](const web::Request& r) { return ok_with("fallback " + r.path); });
  auto r = make("GET", "/index.html");
  EXPECT_EQ(router.dispatch(r).body, "fallback /index.html");
  auto wrong = make("PUT", "/api");
  EXPECT_EQ(router.dispatch(wrong).status, 405);  // a known path never falls through
}

TEST(WebRouter, WebSocketRoutes) {
  web::Router router;
  router.add_websocket("/ws/{id}", web::WebSocketHandler{});
  auto up = make("GET", "/ws/3");
  EXPECT_NE(router.find_websocket(up), nullptr);
  EXPECT_EQ(up.param("id"), "3");
  auto other = make("GET", "/wss/3");
  EXPECT_EQ(router.find_websocket(other), nullptr);
  auto plain = make("GET", "/ws/3");
  EXPECT_EQ(router.dispatch(plain).status, 426);
}

TEST(WebHttp, JsonEscapeAndErrorBody) {
  EXPECT_EQ(web::json_escape("a\"b\\c\n\x01"), "a\\\"b\\\\c\\n\\u0001");
  EXPECT_EQ(web::Response::error(418, "tea \"pot\"").body, R"({"error":"tea \"pot\""})");
}

TEST(WebHttp, PercentDecode) {
  EXPECT_EQ(web::percent_decode("/a%20b/%2e%2E"), "/a b/..");
  EXPECT_FALSE(web::percent_decode("/bad%2"));
  EXPECT_FALSE(web::percent_decode("/bad%zz"));
  EXPECT_FALSE(web::percent_decode("/nul%00"));
}

TEST(WebHttp, DotDotSegments) {
  EXPECT_TRUE(web::has_dot_dot_segment("/.."));
  EXPECT_TRUE(web::has_dot_dot_segment("/a/../b"));
  EXPECT_TRUE(web::has_dot_dot_segment("../a"));
  EXPECT_FALSE(web::has_dot_dot_segment("/a..b/c.."));
  EXPECT_FALSE(web::has_dot_dot_segment("/a/./b"));
}

TEST(WebHttp, HeaderLookupIgnoresCase) {
  web::Request r;
  r.headers = {{"Content-Type", "text/plain"}};
  EXPECT_EQ(r.header("content-type"), "text/plain");
  EXPECT_EQ(r.header("missing"), "");
}

TEST(WebMime, TypesByExtension) {
  EXPECT_EQ(web::mime_type("index.HTML"), "text/html; charset=utf-8");
  EXPECT_EQ(web::mime_type("a/b.mjs"), "text/javascript; charset=utf-8");
  EXPECT_EQ(web::mime_type("x.wasm"), "application/wasm");
  EXPECT_EQ(web::mime_type("dir.d/noext"), "application/octet-stream");
  EXPECT_EQ(web::mime_type("weird."), "application/octet-stream");
}

}  // namespace
