import { parseDictionary, type InnerList } from "structured-headers";
import { describe, expect, it } from "vitest";
import type { WebhookRequest } from "../../types.js";
import { createSignatureBase, encodeQueryParamComponent, normalizeAuthority, signatureBaseCandidates, signedRequestOf, type SignedRequest } from "./signature-base.js";

const inputOf = (signatureInput: string): InnerList => {
  const [, value] = [...parseDictionary(signatureInput)][0]!;
  return value as InnerList;
};
const baseOf = (signatureInput: string, message: SignedRequest, structuredFields?: Record<string, "dictionary" | "list" | "item">) =>
  createSignatureBase(inputOf(signatureInput), message, structuredFields ? { structuredFields } : {});
const lines = (signatureInput: string, message: SignedRequest, structuredFields?: Record<string, "dictionary" | "list" | "item">) =>
  baseOf(signatureInput, message, structuredFields).split("\n").slice(0, -1);

// RFC 9421 Appendix B.2: POST /foo?param=Value&Pet=dog to example.com.
const rfcRequest: SignedRequest = {
  method: "POST",
  scheme: "https",
  authority: "example.com",
  path: "/foo",
  query: "param=Value&Pet=dog",
  headers: {
    host: "example.com",
    date: "Tue, 20 Apr 2021 02:07:55 GMT",
    "content-type": "application/json",
    "content-digest": "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
    "content-length": "18",
  },
};

describe("createSignatureBase: RFC 9421 Appendix B.2 signature bases", () => {
  it("B.2.1 minimal: only @signature-params", () => {
    expect(baseOf('sig-b21=();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd"', rfcRequest)).toBe(
      '"@signature-params": ();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd"',
    );
  });

  it("B.2.2 selective: @authority, content-digest, @query-param", () => {
    expect(baseOf('sig-b22=("@authority" "content-digest" "@query-param";name="Pet");created=1618884473;keyid="test-key-rsa-pss";tag="header-example"', rfcRequest)).toBe(
      [
        '"@authority": example.com',
        '"content-digest": sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
        '"@query-param";name="Pet": dog',
        '"@signature-params": ("@authority" "content-digest" "@query-param";name="Pet");created=1618884473;keyid="test-key-rsa-pss";tag="header-example"',
      ].join("\n"),
    );
  });

  it("B.2.3 full coverage", () => {
    expect(
      baseOf('sig-b23=("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss"', rfcRequest),
    ).toBe(
      [
        '"date": Tue, 20 Apr 2021 02:07:55 GMT',
        '"@method": POST',
        '"@path": /foo',
        '"@query": ?param=Value&Pet=dog',
        '"@authority": example.com',
        '"content-type": application/json',
        '"content-digest": sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
        '"content-length": 18',
        '"@signature-params": ("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss"',
      ].join("\n"),
    );
  });

  it("B.2.6 ed25519", () => {
    expect(baseOf('sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"', rfcRequest)).toBe(
      [
        '"date": Tue, 20 Apr 2021 02:07:55 GMT',
        '"@method": POST',
        '"@path": /foo',
        '"@authority": example.com',
        '"content-type": application/json',
        '"content-length": 18',
        '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"',
      ].join("\n"),
    );
  });
});

describe("createSignatureBase: derived components (RFC 9421 §2.2)", () => {
  const message: SignedRequest = { method: "POST", scheme: "https", authority: "www.example.com", path: "/path", query: "param=value", headers: {} };

  it("computes each derived component of the §2.2 examples", () => {
    expect(lines('s=("@method" "@target-uri" "@authority" "@scheme" "@request-target" "@path" "@query")', message)).toEqual([
      '"@method": POST',
      '"@target-uri": https://www.example.com/path?param=value',
      '"@authority": www.example.com',
      '"@scheme": https',
      '"@request-target": /path?param=value',
      '"@path": /path',
      '"@query": ?param=value',
    ]);
  });

  it("represents an absent query as a lone ? (§2.2.7) and keeps percent-encoding as sent", () => {
    const noQuery = { ...message, path: "/a%2Fb", query: undefined };
    expect(lines('s=("@query" "@path" "@request-target")', noQuery)).toEqual(['"@query": ?', '"@path": /a%2Fb', '"@request-target": /a%2Fb']);
    expect(lines('s=("@query")', { ...message, query: "param=value&foo=bar&baz=bat%2Dman" })).toEqual(['"@query": ?param=value&foo=bar&baz=bat%2Dman']);
  });

  it("re-encodes @query-param names and values as §2.2.8 shows", () => {
    const m = { ...message, path: "/parameters", query: "var=this%20is%20a%20big%0Avalue&bar=with+plus+whitespace&fa%C3%A7ade%22%3A%20=something" };
    expect(lines('s=("@query-param";name="var" "@query-param";name="bar" "@query-param";name="fa%C3%A7ade%22%3A%20")', m)).toEqual([
      '"@query-param";name="var": this%20is%20a%20big%0Avalue',
      '"@query-param";name="bar": with%20plus%20whitespace',
      '"@query-param";name="fa%C3%A7ade%22%3A%20": something',
    ]);
  });

  it("gives a repeated query parameter one line per occurrence, in order", () => {
    expect(lines('s=("@query-param";name="a")', { ...message, query: "a=1&b=2&a=3" })).toEqual(['"@query-param";name="a": 1', '"@query-param";name="a": 3']);
  });
});

describe("createSignatureBase: HTTP fields (RFC 9421 §2.1)", () => {
  const message: SignedRequest = {
    method: "GET",
    scheme: "https",
    authority: "www.example.com",
    path: "/",
    query: undefined,
    headers: {
      host: "www.example.com",
      date: "Tue, 20 Apr 2021 02:07:56 GMT",
      "x-ows-header": "   Leading and trailing whitespace.   ",
      "x-obs-fold-header": "Obsolete\n    line folding.",
      "cache-control": ["max-age=60", "   must-revalidate"],
      "example-dict": " a=1,    b=2;x=1;y=2,   c=(a   b   c)",
      "x-empty-header": "",
      "example-header": ["value, with, lots", "of, commas"],
    },
  };

  it("canonicalizes raw field values: trimmed, folds unfolded, lines joined", () => {
    expect(lines('s=("host" "date" "x-ows-header" "x-obs-fold-header" "cache-control" "example-dict" "x-empty-header")', message)).toEqual([
      '"host": www.example.com',
      '"date": Tue, 20 Apr 2021 02:07:56 GMT',
      '"x-ows-header": Leading and trailing whitespace.',
      '"x-obs-fold-header": Obsolete line folding.',
      '"cache-control": max-age=60, must-revalidate',
      '"example-dict": a=1,    b=2;x=1;y=2,   c=(a   b   c)',
      '"x-empty-header": ',
    ]);
  });

  it("re-serializes a structured field with ;sf (§2.1.1)", () => {
    expect(lines('s=("example-dict";sf)', message, { "example-dict": "dictionary" })).toEqual(['"example-dict";sf: a=1, b=2;x=1;y=2, c=(a b c)']);
  });

  it("picks dictionary members with ;key (§2.1.2)", () => {
    const m = { ...message, headers: { "example-dict": "a=1, b=2;x=1;y=2, c=(a b c), d" } };
    expect(lines('s=("example-dict";key="a" "example-dict";key="d" "example-dict";key="b" "example-dict";key="c")', m)).toEqual([
      '"example-dict";key="a": 1',
      '"example-dict";key="d": ?1',
      '"example-dict";key="b": 2;x=1;y=2',
      '"example-dict";key="c": (a b c)',
    ]);
  });

  it("encodes each field line as a byte sequence with ;bs (§2.1.3)", () => {
    expect(lines('s=("example-header" "example-header";bs)', message)).toEqual([
      '"example-header": value, with, lots, of, commas',
      '"example-header";bs: :dmFsdWUsIHdpdGgsIGxvdHM=:, :b2YsIGNvbW1hcw==:',
    ]);
  });

  it("knows the registered structured types (content-digest) without configuration", () => {
    const m = { ...message, headers: { "content-digest": "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:,  sha-512=:AA==:" } };
    expect(lines('s=("content-digest";sf "content-digest";key="sha-256")', m)).toEqual([
      '"content-digest";sf: sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:, sha-512=:AA==:',
      '"content-digest";key="sha-256": :X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:',
    ]);
  });
});

describe("createSignatureBase: what cannot have been signed is INVALID_SIGNATURE", () => {
  const message: SignedRequest = { method: "POST", scheme: "https", authority: undefined, path: "/", query: undefined, headers: { "x-a": "1", "example-dict": "a=1" } };
  it.each([
    ['s=("x-missing")', /does not have/],
    ['s=("@status")', /response component/],
    ['s=("@signature-params")', /must not be listed/],
    ['s=("@nope")', /Unknown derived component/],
    ['s=("x-a" "x-a")', /listed twice/],
    ['s=("X-A")', /lower case/],
    ['s=("x-a";req)', /response/],
    ['s=("x-a";tr)', /trailer/],
    ['s=("x-a";zz)', /does not support/],
    ['s=("@method";name="x")', /does not support/],
    ['s=("x-a";sf)', /structured type/],
    ['s=("example-dict";bs;sf)', /cannot be combined/],
    ['s=("example-dict";key="zz")', /does not have/],
    ['s=("@query-param")', /;name/],
    ['s=("@query-param";name="a")', /does not have/],
    ['s=("@authority")', /no Host header/],
    ['s=("@target-uri")', /no Host header/],
    ["s=(x-a)", /quoted string/],
  ])("%s", (input, message_) => {
    let thrown: unknown;
    try {
      baseOf(input, message);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: "INVALID_SIGNATURE", message: expect.stringMatching(message_) });
  });

  it("refuses ;sf on a field that does not parse as its type", () => {
    expect(() => baseOf('s=("content-digest";sf)', { ...message, headers: { "content-digest": "not a dictionary!" } })).toThrow(/not a valid structured dictionary/);
  });
});

describe("signedRequestOf: the request as the sender addressed it", () => {
  const req = (extra: Partial<WebhookRequest>): WebhookRequest => ({ method: "POST", path: "/", originalUrl: "/events/acme/sovrin", headers: { host: "hooks.example.com" }, ...extra });

  it("takes @path from originalUrl (the full path under a mounted router), scheme https, authority from Host", () => {
    expect(signedRequestOf(req({ originalUrl: "/events/acme/sovrin?x=1" }))).toMatchObject({ scheme: "https", authority: "hooks.example.com", path: "/events/acme/sovrin", query: "x=1" });
  });

  it("normalizes Host: lower case, default port dropped, other ports kept", () => {
    expect(signedRequestOf(req({ headers: { host: "Hooks.Example.COM:443" } })).authority).toBe("hooks.example.com");
    expect(signedRequestOf(req({ headers: { host: "localhost:3000" } })).authority).toBe("localhost:3000");
    expect(signedRequestOf(req({ headers: { ":authority": "h2.example.com" } })).authority).toBe("h2.example.com");
    expect(signedRequestOf(req({ headers: {} })).authority).toBeUndefined();
    expect(normalizeAuthority("example.com:80", "http")).toBe("example.com");
  });

  it("ignores X-Forwarded-* headers", () => {
    const message = signedRequestOf(req({ headers: { host: "internal:8080", "x-forwarded-host": "evil.example", "x-forwarded-proto": "http" } }));
    expect(message).toMatchObject({ scheme: "https", authority: "internal:8080" });
  });

  it("strips scheme and authority of an absolute-form target, and a fragment", () => {
    expect(signedRequestOf(req({ originalUrl: "http://proxy.example/events/acme/sovrin?a=b#frag" }))).toMatchObject({ path: "/events/acme/sovrin", query: "a=b" });
    expect(signedRequestOf(req({ originalUrl: "" , path: "/x"}))).toMatchObject({ path: "/x", query: undefined });
    expect(signedRequestOf(req({ originalUrl: "/p?" }))).toMatchObject({ path: "/p", query: "" });
  });

  it("with publicOrigin: scheme, authority and host come from it and its path is a prefix", () => {
    const message = signedRequestOf(req({ headers: { host: "10.0.0.7:8080" }, originalUrl: "/events/acme/sovrin" }), new URL("https://Hooks.Example.com:443/api/"));
    expect(message).toMatchObject({ scheme: "https", authority: "hooks.example.com", path: "/api/events/acme/sovrin" });
    expect(lines('s=("host" "@target-uri")', message)).toEqual(['"host": hooks.example.com', '"@target-uri": https://hooks.example.com/api/events/acme/sovrin']);
    expect(signedRequestOf(req({}), new URL("http://localhost:3000"))).toMatchObject({ scheme: "http", authority: "localhost:3000", path: "/events/acme/sovrin" });
  });
});

describe("encodeQueryParamComponent", () => {
  it("uses the form-urlencoded percent-encode set with %20 for spaces", () => {
    expect(encodeQueryParamComponent("with plus whitespace")).toBe("with%20plus%20whitespace");
    expect(encodeQueryParamComponent("façade\": ")).toBe("fa%C3%A7ade%22%3A%20");
    expect(encodeQueryParamComponent("a!b'c(d)e~f*g-h_i.j")).toBe("a%21b%27c%28d%29e%7Ef*g-h_i.j");
  });
});

// MATTR's http-signatures (src/common/generateVerifyData.ts) computes derived components with
// Node's url.parse: protocol "https:", host as written (":443" kept), querystring.parse values.
describe("createSignatureBase: the draft-13 spellings of MATTR's library", () => {
  const message: SignedRequest = { method: "POST", scheme: "https", authority: "hooks.example.com", path: "/events/acme/sovrin", query: "source=mattr%20vii&path=a%2Fb&n=1&n=2", headers: {} };
  const draft13 = { dialect: "draft-13", explicitDefaultPort: false } as const;
  const withPort = { dialect: "draft-13", explicitDefaultPort: true } as const;
  const line = (input: string, variant?: typeof draft13 | typeof withPort) => createSignatureBase(inputOf(`sig1=(${input});created=1`), message, {}, variant).split("\n")[0];

  it("signs @scheme with the colon of url.parse's protocol", () => {
    expect(line('"@scheme"')).toBe('"@scheme": https');
    expect(line('"@scheme"', draft13)).toBe('"@scheme": https:');
  });

  it("keeps an explicit default port in @authority and @target-uri", () => {
    expect(line('"@authority"', withPort)).toBe('"@authority": hooks.example.com:443');
    expect(line('"@target-uri"', withPort)).toBe('"@target-uri": https://hooks.example.com:443/events/acme/sovrin?source=mattr%20vii&path=a%2Fb&n=1&n=2');
    expect(createSignatureBase(inputOf('sig1=("@authority");created=1'), { ...message, authority: "hooks.example.com:8443" }, {}, withPort).split("\n")[0]).toBe('"@authority": hooks.example.com:8443');
  });

  it("signs decoded @query-param values, several on one line", () => {
    expect(line('"@query-param";name="source"')).toBe('"@query-param";name="source": mattr%20vii');
    expect(line('"@query-param";name="source"', draft13)).toBe('"@query-param";name="source": mattr vii');
    expect(line('"@query-param";name="path"', draft13)).toBe('"@query-param";name="path": a/b');
    expect(line('"@query-param";name="n"', draft13)).toBe('"@query-param";name="n": 1, 2');
  });

  it("offers the draft-13 candidates only when a covered component has another spelling", () => {
    expect(signatureBaseCandidates(inputOf('sig1=("@method" "@path" "content-digest");created=1'))).toHaveLength(1);
    expect(signatureBaseCandidates(inputOf('sig1=("@method" "@scheme");created=1'))).toHaveLength(2);
    expect(signatureBaseCandidates(inputOf('sig1=("@method" "@authority");created=1'))).toEqual([
      { dialect: "rfc9421", explicitDefaultPort: false },
      { dialect: "draft-13", explicitDefaultPort: false },
      { dialect: "draft-13", explicitDefaultPort: true },
    ]);
  });
});
