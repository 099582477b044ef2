// Continuous QR scanning from the camera: BarcodeDetector where the browser has it, jsQR
// (window.jsQR, loaded from /vendor/jsQR.js) otherwise.

const DECODE_WIDTH = 640; // frames are scaled down to this before jsQR: fast enough on a tablet
const MIN_DECODE_INTERVAL_MS = 60; // leaves the CPU some air; still well under a blink

export class CameraScanner {
    /**
     * @param video    <video> element that shows the viewfinder
     * @param onCode   called with the decoded text for every frame that holds a code
     */
    constructor(video, onCode) {
        this.video = video;
        this.onCode = onCode;
        this.stream = null;
        this.running = false;
        this.canvas = document.createElement('canvas');
        this.ctx2d = this.canvas.getContext('2d', { willReadFrequently: true });
        this.detector = null;
        this.busy = false;
        this.error = null;
    }

    async start() {
        if (this.running) return;
        if (!navigator.mediaDevices?.getUserMedia) {
            throw Object.assign(new Error('no camera API (needs https or localhost)'), { name: 'InsecureContext' });
        }
        if ('BarcodeDetector' in window) {
            try {
                const formats = await window.BarcodeDetector.getSupportedFormats();
                if (formats.includes('qr_code')) this.detector = new window.BarcodeDetector({ formats: ['qr_code'] });
            } catch {
                this.detector = null;
            }
        }
        if (!this.detector && typeof window.jsQR !== 'function') {
            throw Object.assign(new Error('no QR decoder'), { name: 'NoDecoder' });
        }
        this.stream = await navigator.mediaDevices.getUserMedia({
            audio: false,
            video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 }, height: { ideal: 720 } },
        });
        this.video.srcObject = this.stream;
        this.video.muted = true;
        this.video.playsInline = true;
        await this.video.play();
        this.running = true;
        this.loop();
    }

    stop() {
        this.running = false;
        for (const track of this.stream?.getTracks() || []) track.stop();
        this.stream = null;
        this.video.srcObject = null;
    }

    get trackLabel() {
        return this.stream?.getVideoTracks()[0]?.label || '';
    }

    loop() {
        if (!this.running) return;
        const next = () => this.loop();
        if ('requestVideoFrameCallback' in this.video) this.video.requestVideoFrameCallback(next);
        else requestAnimationFrame(next);
        const now = performance.now();
        if (!this.busy && now - (this.lastDecode || 0) >= MIN_DECODE_INTERVAL_MS) {
            this.lastDecode = now;
            this.decode();
        }
    }

    async decode() {
        const v = this.video;
        if (v.readyState < 2 || !v.videoWidth) return;
        this.busy = true;
        try {
            if (this.detector) {
                const codes = await this.detector.detect(v);
                for (const code of codes) this.onCode(code.rawValue);
                return;
            }
            const scale = Math.min(1, DECODE_WIDTH / v.videoWidth);
            const w = Math.round(v.videoWidth * scale);
            const hgt = Math.round(v.videoHeight * scale);
            if (this.canvas.width !== w) this.canvas.width = w;
            if (this.canvas.height !== hgt) this.canvas.height = hgt;
            this.ctx2d.drawImage(v, 0, 0, w, hgt);
            const image = this.ctx2d.getImageData(0, 0, w, hgt);
            const code = window.jsQR(image.data, w, hgt, { inversionAttempts: 'dontInvert' });
            if (code && code.data) this.onCode(code.data);
        } catch (err) {
            this.error = err;
        } finally {
            this.busy = false;
        }
    }
}
