// Pay by scanning a QR code (templates/ledger/pay.html): where the browser has BarcodeDetector
// (with QR codes) and a camera, a button opens the camera in a <video>; a code that is this site's
// payment-request link is followed. Elsewhere the page says to use the phone's camera app.
// Nothing is paid here: the link opens the payment page, where the member confirms.
(function () {
  "use strict";

  var box = document.querySelector("[data-qr-scan]");
  if (!box) return;
  var start = box.querySelector("[data-qr-start]");
  var stop = box.querySelector("[data-qr-stop]");
  var fallback = box.querySelector("[data-qr-fallback]");
  var video = box.querySelector("[data-qr-video]");
  var status = box.querySelector("[data-qr-status]");
  var sample = box.dataset.paySample || "";
  var prefix = sample.slice(0, sample.indexOf("00000000-"));
  var stream = null;
  var timer = null;

  if (!("BarcodeDetector" in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !prefix) return;

  // The path of a payment request: the prefix, a UUID, a slash.
  var payPath = new RegExp("^" + prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "[0-9a-fA-F-]{36}/$");

  function paymentUrl(text) {
    try {
      var url = new URL(text, window.location.href);
      return url.origin === window.location.origin && payPath.test(url.pathname) ? url.href : null;
    } catch (error) {
      return null;
    }
  }

  function halt() {
    clearInterval(timer);
    timer = null;
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    video.hidden = true;
    stop.hidden = true;
    start.hidden = false;
  }

  function scan(detector) {
    timer = setInterval(function () {
      if (video.readyState < 2) return;
      detector.detect(video).then(function (codes) {
        for (var i = 0; i < codes.length; i++) {
          var url = paymentUrl(codes[i].rawValue);
          if (url) {
            halt();
            window.location.assign(url);
            return;
          }
        }
        if (codes.length) status.textContent = box.dataset.textWrong;
      }).catch(function () {});
    }, 300);
  }

  start.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        video.hidden = false;
        start.hidden = true;
        stop.hidden = false;
        status.textContent = box.dataset.textLooking;
        return video.play().then(function () { scan(detector); });
      })
      .catch(function () {
        halt();
        status.textContent = box.dataset.textDenied;
      });
  });
  stop.addEventListener("click", function () {
    halt();
    status.textContent = "";
  });
  window.addEventListener("pagehide", halt);

  // Offer the button only if QR codes are among the formats this browser decodes.
  var formats = window.BarcodeDetector.getSupportedFormats ? window.BarcodeDetector.getSupportedFormats() : Promise.resolve(["qr_code"]);
  formats.then(function (supported) {
    if (supported.indexOf("qr_code") === -1) return;
    start.hidden = false;
    fallback.hidden = true;
  }).catch(function () {});
})();
