/* Swagger UI from the vendored swagger-ui-dist (no CDN); reads our own /openapi.json. */
window.addEventListener("load", function () {
  "use strict";
  window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
