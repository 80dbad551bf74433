/* Swagger UI from the vendored swagger-ui-dist (no CDN); reads our own /openapi.json.
 * validatorUrl: null — never call the online validator (validator.swagger.io). */
window.addEventListener("load", function () {
  "use strict";
  window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true, validatorUrl: null });
});
