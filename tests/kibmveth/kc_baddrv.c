/*
 * kc_baddrv.c — a small VIO network driver, compiled against src/kcompat's
 * kernel-API headers as a kernel driver is, that misbehaves on request: the
 * test of what the layer does with a driver it cannot trust. Its module
 * parameter "mode" picks the misbehaviour of the next transmit or close:
 *
 *   0  behave: register the LAN on open, send each frame from a mapped
 *      buffer with H_SEND_LOGICAL_LAN, free everything on close
 *   1  leak on close: an skb, a kmalloc and a DMA mapping are kept
 *   2  transmit a descriptor whose address is outside the partition
 *   3  BUG_ON in transmit
 *   4  dereference a NULL skb in transmit
 *   5  kfree the same block twice in transmit
 *   6  unmap an address never mapped in transmit
 *   7  skb_put past the end of a buffer in transmit (skb_over_panic)
 *
 * Serves tests/kibmveth/test_kcompat.c only. Not a model of any real
 * driver; written for this test.
 */
#include <asm/hvcall.h>
#include <asm/vio.h>
#include <linux/dma-mapping.h>
#include <linux/etherdevice.h>
#include <linux/interrupt.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/slab.h>

static int mode;
module_param(mode, int, 0644);
MODULE_PARM_DESC(mode, "what to get wrong (see the file's comment)");
static unsigned int ro_param = 7;
module_param(ro_param, uint, 0444);

struct bad_adapter {
	struct vio_dev *vdev;
	struct net_device *netdev;
	struct napi_struct napi;
	void *buf_list, *filter_list, *rxq, *txbuf, *rxbuf;
	dma_addr_t buf_list_dma, filter_list_dma, rxq_dma, txbuf_dma, rxbuf_dma;
	/* what mode 1 leaves behind */
	struct sk_buff *leak_skb;
	void *leak_mem;
	dma_addr_t leak_dma;
	unsigned polls;
};

#define BAD_RXQ_SIZE 4096u
#define BAD_TXBUF 2048u

static u64 bad_desc(u32 flags_len, u32 addr)
{
	return (u64)flags_len << 32 | addr;
}

static int bad_poll(struct napi_struct *napi, int budget)
{
	struct bad_adapter *ad = container_of(napi, struct bad_adapter, napi);
	ad->polls++;
	napi_complete_done(napi, 0);
	h_vio_signal(ad->vdev->unit_address, VIO_IRQ_ENABLE);
	(void)budget;
	return 0;
}

/* As ibmveth's: runs inside the sender's H_SEND_LOGICAL_LAN and makes an
 * hcall of its own there. */
static irqreturn_t bad_interrupt(int irq, void *dev_id)
{
	struct bad_adapter *ad = netdev_priv(dev_id);
	(void)irq;
	if (napi_schedule_prep(&ad->napi)) {
		h_vio_signal(ad->vdev->unit_address, VIO_IRQ_DISABLE);
		__napi_schedule(&ad->napi);
	}
	return IRQ_HANDLED;
}

static int bad_open(struct net_device *dev)
{
	struct bad_adapter *ad = netdev_priv(dev);
	struct device *d = &ad->vdev->dev;
	napi_enable(&ad->napi);
	ad->buf_list = (void *)get_zeroed_page(GFP_KERNEL);
	ad->filter_list = (void *)get_zeroed_page(GFP_KERNEL);
	ad->rxq = dma_alloc_coherent(d, BAD_RXQ_SIZE, &ad->rxq_dma, GFP_KERNEL);
	ad->txbuf = kzalloc(BAD_TXBUF, GFP_KERNEL);
	ad->rxbuf = kzalloc(BAD_TXBUF, GFP_KERNEL);
	if (!ad->buf_list || !ad->filter_list || !ad->rxq || !ad->txbuf || !ad->rxbuf)
		return -ENOMEM;
	ad->buf_list_dma = dma_map_single(d, ad->buf_list, 4096, DMA_BIDIRECTIONAL);
	ad->filter_list_dma = dma_map_single(d, ad->filter_list, 4096, DMA_BIDIRECTIONAL);
	ad->txbuf_dma = dma_map_single(d, ad->txbuf, BAD_TXBUF, DMA_TO_DEVICE);
	if (dma_mapping_error(d, ad->buf_list_dma) || dma_mapping_error(d, ad->filter_list_dma) ||
	    dma_mapping_error(d, ad->txbuf_dma))
		return -ENOMEM;
	long rc = plpar_hcall_norets(H_REGISTER_LOGICAL_LAN, ad->vdev->unit_address, ad->buf_list_dma,
				     bad_desc(0x80000000u | BAD_RXQ_SIZE, (u32)ad->rxq_dma),
				     ad->filter_list_dma, ether_addr_to_u64(dev->dev_addr));
	if (rc != H_SUCCESS) {
		netdev_err(dev, "h_register_logical_lan failed with %ld", rc);
		return -ENONET;
	}
	/* one receive buffer, correlator 0 */
	ad->rxbuf_dma = dma_map_single(d, ad->rxbuf, BAD_TXBUF, DMA_FROM_DEVICE);
	if (dma_mapping_error(d, ad->rxbuf_dma))
		return -ENOMEM;
	plpar_hcall_norets(H_ADD_LOGICAL_LAN_BUFFER, ad->vdev->unit_address,
			   bad_desc(0x80000000u | BAD_TXBUF, (u32)ad->rxbuf_dma));
	if (request_irq(dev->irq, bad_interrupt, 0, dev->name, dev))
		return -EIO;
	h_vio_signal(ad->vdev->unit_address, VIO_IRQ_ENABLE);
	netif_tx_start_all_queues(dev);
	return 0;
}

static int bad_close(struct net_device *dev)
{
	struct bad_adapter *ad = netdev_priv(dev);
	struct device *d = &ad->vdev->dev;
	napi_disable(&ad->napi);
	netif_tx_stop_all_queues(dev);
	h_vio_signal(ad->vdev->unit_address, VIO_IRQ_DISABLE);
	plpar_hcall_norets(H_FREE_LOGICAL_LAN, ad->vdev->unit_address);
	free_irq(dev->irq, dev);
	dma_unmap_single(d, ad->buf_list_dma, 4096, DMA_BIDIRECTIONAL);
	dma_unmap_single(d, ad->filter_list_dma, 4096, DMA_BIDIRECTIONAL);
	dma_unmap_single(d, ad->txbuf_dma, BAD_TXBUF, DMA_TO_DEVICE);
	dma_unmap_single(d, ad->rxbuf_dma, BAD_TXBUF, DMA_FROM_DEVICE);
	kfree(ad->rxbuf);
	free_page((unsigned long)ad->buf_list);
	free_page((unsigned long)ad->filter_list);
	dma_free_coherent(d, BAD_RXQ_SIZE, ad->rxq, ad->rxq_dma);
	kfree(ad->txbuf);
	if (mode == 1) {
		ad->leak_skb = netdev_alloc_skb(dev, 100);
		ad->leak_mem = kmalloc(300, GFP_KERNEL);
		ad->leak_dma = dma_map_single(d, ad->leak_mem, 300, DMA_TO_DEVICE);
	}
	return 0;
}

static netdev_tx_t bad_start_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct bad_adapter *ad = netdev_priv(dev);
	struct sk_buff *none = NULL;
	void *p;
	unsigned long ret[PLPAR_HCALL9_BUFSIZE];
	u32 addr = (u32)ad->txbuf_dma;
	long rc;

	switch (mode) {
	case 2:
		addr = 0xfffff000u;
		break;
	case 3:
		BUG_ON(skb->len > 0);
		break;
	case 4:
		skb->len += none->len; /* the NULL skb of a bad correlator */
		break;
	case 5:
		p = kmalloc(64, GFP_ATOMIC);
		kfree(p);
		kfree(p);
		break;
	case 6:
		dma_unmap_single(&ad->vdev->dev, 0x1234000, 64, DMA_TO_DEVICE);
		break;
	case 7:
		skb_put(skb, 1u << 20);
		break;
	}
	if (skb->len > BAD_TXBUF || skb_headlen(skb) != skb->len) {
		dev->stats.tx_dropped++;
		dev_kfree_skb_any(skb);
		return NETDEV_TX_OK;
	}
	memcpy(ad->txbuf, skb->data, skb->len);
	rc = plpar_hcall9(H_SEND_LOGICAL_LAN, ret, ad->vdev->unit_address,
			  bad_desc(0x80000000u | skb->len, addr), 0, 0, 0, 0, 0, 0);
	if (rc == H_SUCCESS) {
		dev->stats.tx_packets++;
		dev->stats.tx_bytes += skb->len;
	} else {
		netdev_err(dev, "tx: h_send_logical_lan failed with rc=%ld", rc);
		dev->stats.tx_dropped++;
	}
	dev_consume_skb_any(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops bad_netdev_ops = {
	.ndo_open = bad_open,
	.ndo_stop = bad_close,
	.ndo_start_xmit = bad_start_xmit,
	.ndo_validate_addr = eth_validate_addr,
};

static int bad_probe(struct vio_dev *vdev, const struct vio_device_id *id)
{
	int len = 0;
	const unsigned char *mac = vio_get_attribute(vdev, VETH_MAC_ADDR, &len);
	(void)id;
	if (!mac || len != 6)
		return -EINVAL;
	struct net_device *dev = alloc_etherdev(sizeof(struct bad_adapter));
	if (!dev)
		return -ENOMEM;
	struct bad_adapter *ad = netdev_priv(dev);
	ad->vdev = vdev;
	ad->netdev = dev;
	dev_set_drvdata(&vdev->dev, dev);
	netif_napi_add_weight(dev, &ad->napi, bad_poll, 16);
	dev->irq = (int)vdev->irq;
	dev->netdev_ops = &bad_netdev_ops;
	dev->hw_features = NETIF_F_SG;
	dev->features = dev->hw_features;
	eth_hw_addr_set(dev, mac);
	int rc = register_netdev(dev);
	if (rc) {
		free_netdev(dev);
		return rc;
	}
	return 0;
}

static void bad_remove(struct vio_dev *vdev)
{
	struct net_device *dev = dev_get_drvdata(&vdev->dev);
	unregister_netdev(dev);
	free_netdev(dev);
}

/* ibmveth.h's union ibmveth_buf_desc as this world lays it out (field order
 * by __BIG_ENDIAN): the test checks it against PAPR's word. */
u64 kc_baddrv_desc(u32 flags_len, u32 address);
u64 kc_baddrv_desc(u32 flags_len, u32 address)
{
	union {
		u64 desc;
		struct {
#ifdef __BIG_ENDIAN
			u32 flags_len;
			u32 address;
#else
			u32 address;
			u32 flags_len;
#endif
		} fields;
	} d;
	d.fields.flags_len = flags_len;
	d.fields.address = address;
	return d.desc;
}

/* 1 when exactly one of __BIG_ENDIAN and __LITTLE_ENDIAN is defined. */
int kc_baddrv_one_byte_order(void);
int kc_baddrv_one_byte_order(void)
{
#if defined(__BIG_ENDIAN) != defined(__LITTLE_ENDIAN)
	return 1;
#else
	return 0;
#endif
}

static const struct vio_device_id bad_table[] = {{"network", "IBM,l-lan"}, {"", ""}};

static struct vio_driver bad_driver = {
	.id_table = bad_table,
	.probe = bad_probe,
	.remove = bad_remove,
	.name = "baddrv",
};

static int __init bad_init(void)
{
	return vio_register_driver(&bad_driver);
}

static void __exit bad_exit(void)
{
	vio_unregister_driver(&bad_driver);
}

module_init(bad_init);
module_exit(bad_exit);
MODULE_LICENSE("GPL");
