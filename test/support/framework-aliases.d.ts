// The conformance suite installs each framework major under an npm alias; they share the
// types of the current major, which is enough for building apps in tests.
declare module "express4" {
  import express from "express";
  export default express;
}
declare module "express5" {
  import express from "express";
  export default express;
}
declare module "koa2" {
  import Koa from "koa";
  export default Koa;
}
declare module "koa3" {
  import Koa from "koa";
  export default Koa;
}
